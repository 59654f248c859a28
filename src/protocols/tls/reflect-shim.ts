/**
 * @peculiar/x509 depends on tsyringe, which refuses to load unless a Reflect metadata polyfill
 * (the `reflect-metadata` package) is present. mailwire only parses certificates and never uses
 * dependency injection, so this module supplies the three functions tsyringe calls, backed by a
 * WeakMap, when (and only when) no polyfill is installed. Import it before '@peculiar/x509'.
 */
type MetaReflect = typeof Reflect & {
  getMetadata?: (key: unknown, target: object) => unknown;
  getOwnMetadata?: (key: unknown, target: object) => unknown;
  defineMetadata?: (key: unknown, value: unknown, target: object) => void;
};

const R = Reflect as MetaReflect;
if (typeof R.getMetadata !== 'function') {
  const store = new WeakMap<object, Map<unknown, unknown>>();
  R.defineMetadata = (key, value, target) => {
    let m = store.get(target);
    if (m === undefined) store.set(target, (m = new Map()));
    m.set(key, value);
  };
  R.getOwnMetadata = (key, target) => store.get(target)?.get(key);
  R.getMetadata = (key, target) => {
    for (let o: object | null = target; o !== null && o !== undefined; o = Object.getPrototypeOf(o) as object | null) {
      const v = store.get(o)?.get(key);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}
export {};
