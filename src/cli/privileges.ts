/**
 * After the capture handle is open, a root process gives up root: to the user who ran sudo
 * (SUDO_UID/SUDO_GID), else to 'nobody'. Returns the user it became, or undefined when nothing
 * was dropped (not root, or a platform without setuid).
 */
export function dropPrivileges(env = process.env): string | undefined {
  if (typeof process.getuid !== 'function' || typeof process.setuid !== 'function' || typeof process.setgid !== 'function') return undefined;
  if (process.getuid() !== 0) return undefined;
  const uid = env.SUDO_UID ? Number(env.SUDO_UID) : undefined;
  const gid = env.SUDO_GID ? Number(env.SUDO_GID) : undefined;
  try {
    if (uid !== undefined && gid !== undefined && uid > 0) {
      process.setgroups?.([gid]);
      process.setgid(gid);
      process.setuid(uid);
      return `uid ${uid}`;
    }
    process.setgroups?.([]);
    process.setgid('nogroup');
    process.setuid('nobody');
    return 'nobody';
  } catch {
    return undefined;
  }
}
