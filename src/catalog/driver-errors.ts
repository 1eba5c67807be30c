// What the database drivers report when two commands race for the same row, as the protocols' own error:
// a unique key taken by a concurrent insert (SQLite SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY, PostgreSQL 23505)
// or a transaction PostgreSQL gave up on (serialization failure 40001, deadlock 40P01) answers 409, not 500.
import type { DatabaseConnection, Dialect, Driver } from 'kysely';
import { AppError } from '../domain/errors.js';

const RACE_CODES = new Set([
  'SQLITE_CONSTRAINT_UNIQUE',
  'SQLITE_CONSTRAINT_PRIMARYKEY',
  '23505', // unique_violation
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

/** The conflict a driver error stands for, or the error itself. */
export function classifyDriverError(err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && RACE_CODES.has(code)) {
    return new AppError(
      'conflict',
      'The request conflicts with a concurrent change of the same resource; retry it.',
      { cause: err },
    );
  }
  if (code === '53100') return new AppError('no_space', undefined, { cause: err }); // PostgreSQL disk_full
  return err;
}

function classifyingConnection(conn: DatabaseConnection): DatabaseConnection {
  return new Proxy(conn, {
    get(target, prop, receiver) {
      if (prop === 'executeQuery') {
        return async (q: Parameters<DatabaseConnection['executeQuery']>[0]) => {
          try {
            return await target.executeQuery(q);
          } catch (err) {
            throw classifyDriverError(err);
          }
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** `dialect` with every query's driver error classified (see classifyDriverError). */
export function classifyingDialect(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver(): Driver {
      const inner = dialect.createDriver();
      const wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>();
      const unwrap = new WeakMap<DatabaseConnection, DatabaseConnection>();
      return new Proxy(inner, {
        get(target, prop, receiver) {
          if (prop === 'acquireConnection') {
            return async () => {
              const c = await target.acquireConnection();
              let w = wrapped.get(c);
              if (!w) {
                w = classifyingConnection(c);
                wrapped.set(c, w);
                unwrap.set(w, c);
              }
              return w;
            };
          }
          const v = Reflect.get(target, prop, receiver);
          if (typeof v !== 'function') return v;
          // The driver's own methods get its own connection back (PostgreSQL's releases it to the pool).
          return (...args: unknown[]) =>
            v.apply(
              target,
              args.map((a) =>
                a && typeof a === 'object' && unwrap.has(a as DatabaseConnection)
                  ? unwrap.get(a as DatabaseConnection)
                  : a,
              ),
            );
        },
      });
    },
  };
}
