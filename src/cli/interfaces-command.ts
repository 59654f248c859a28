/** `mailwire interfaces` */
import { listInterfaces } from '../capture/live.js';
import { EXIT_OK } from './options.js';

export async function runInterfaces(): Promise<number> {
  const list = await listInterfaces();
  for (const i of list) {
    const extra = [i.description, i.addresses.length ? i.addresses.join(', ') : ''].filter(Boolean).join('  ');
    process.stdout.write(`${i.name}${extra ? `  ${extra}` : ''}\n`);
  }
  return EXIT_OK;
}
