/**
 * Kafka's JAAS configuration syntax, as `sasl.jaas.config` takes it:
 * `<LoginModule class> <required|requisite|sufficient|optional> key="value" key2=value2;` (one or more modules).
 * Values may be quoted (with `\"` and `\\` escapes) or bare words.
 */

export interface JaasModule {
  loginModule: string;
  flag: string;
  options: Map<string, string>;
}

const FLAGS = new Set(['required', 'requisite', 'sufficient', 'optional']);

export class JaasError extends Error {}

/** Parses a JAAS config value; throws JaasError with a one-line reason when it is not valid. */
export function parseJaasConfig(text: string): JaasModule[] {
  const modules: JaasModule[] = [];
  let i = 0;
  const n = text.length;
  const skipSpace = () => {
    while (i < n && /\s/.test(text[i]!)) i++;
  };
  const word = (): string => {
    const start = i;
    while (i < n && !/[\s;=]/.test(text[i]!)) i++;
    return text.slice(start, i);
  };
  for (;;) {
    skipSpace();
    if (i >= n) break;
    const loginModule = word();
    if (loginModule === '') throw new JaasError(`expected a login module class at position ${i}`);
    skipSpace();
    const flag = word().toLowerCase();
    if (!FLAGS.has(flag)) {
      throw new JaasError(
        `expected \`<LoginModule class> required key="value" ... ;\` (login module ${loginModule} needs a control flag: required, requisite, sufficient or optional)`,
      );
    }
    const options = new Map<string, string>();
    for (;;) {
      skipSpace();
      if (i >= n) throw new JaasError(`login module ${loginModule}: the entry must end with ;`);
      if (text[i] === ';') {
        i++;
        break;
      }
      const key = word();
      skipSpace();
      if (key === '' || text[i] !== '=') throw new JaasError(`login module ${loginModule}: expected key=value`);
      i++;
      skipSpace();
      let value: string;
      if (text[i] === '"') {
        i++;
        let v = '';
        for (;;) {
          if (i >= n) throw new JaasError(`login module ${loginModule}: unterminated quote in the value of ${key}`);
          const c = text[i++]!;
          if (c === '"') break;
          if (c === '\\' && i < n) v += text[i++]!;
          else v += c;
        }
        value = v;
      } else {
        value = word();
      }
      options.set(key, value);
    }
    modules.push({ loginModule, flag, options });
  }
  if (modules.length === 0) throw new JaasError('no login module');
  return modules;
}

/** `user_<name>="<password>"` options of a PlainLoginModule: the users a broker's PLAIN mechanism accepts. */
export function plainUsers(modules: readonly JaasModule[]): Map<string, string> {
  const users = new Map<string, string>();
  for (const m of modules) {
    for (const [k, v] of m.options) if (k.startsWith('user_') && k.length > 5) users.set(k.slice(5), v);
  }
  return users;
}
