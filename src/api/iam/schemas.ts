// Keystone v3 wire shapes (TypeBox): request bodies validated at run time, documented in OpenAPI.
import { type Static, Type } from '@fastify/type-provider-typebox';

const Ref = Type.Object({
  id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
});

export const PasswordUser = Type.Object({
  id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  password: Type.String({ maxLength: 4096 }),
  domain: Type.Optional(Ref),
});

export const AuthRequest = Type.Object({
  auth: Type.Object({
    identity: Type.Object({
      methods: Type.Array(Type.String(), { minItems: 1, maxItems: 4 }),
      password: Type.Optional(Type.Object({ user: PasswordUser })),
      token: Type.Optional(Type.Object({ id: Type.String({ minLength: 1, maxLength: 8192 }) })),
    }),
    scope: Type.Optional(
      Type.Union([
        Type.Object({
          project: Type.Object({
            id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
            domain: Type.Optional(Ref),
          }),
        }),
        Type.Object({ domain: Ref }),
        Type.Object({ system: Type.Object({ all: Type.Boolean() }) }),
        Type.Literal('unscoped'),
      ]),
    ),
  }),
});
export type AuthRequest = Static<typeof AuthRequest>;

export const TokenQuery = Type.Object({
  nocatalog: Type.Optional(Type.String()),
  allow_expired: Type.Optional(Type.String()),
});
export type TokenQuery = Static<typeof TokenQuery>;

export const ProjectsQuery = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 255 })),
  domain_id: Type.Optional(Type.String({ maxLength: 64 })),
  enabled: Type.Optional(Type.Boolean()),
});
export type ProjectsQuery = Static<typeof ProjectsQuery>;

const Named = Type.Object({ id: Type.String(), name: Type.String() });

export const Endpoint = Type.Object({
  id: Type.String(),
  interface: Type.Union([Type.Literal('public'), Type.Literal('internal'), Type.Literal('admin')]),
  region: Type.String(),
  region_id: Type.String(),
  url: Type.String(),
});

export const CatalogEntry = Type.Object({
  id: Type.String(),
  type: Type.String(),
  name: Type.String(),
  endpoints: Type.Array(Endpoint),
});

export const Token = Type.Object({
  methods: Type.Array(Type.String()),
  user: Type.Object({
    id: Type.String(),
    name: Type.String(),
    domain: Named,
    password_expires_at: Type.Union([Type.String(), Type.Null()]),
  }),
  audit_ids: Type.Array(Type.String()),
  expires_at: Type.String(),
  issued_at: Type.String(),
  project: Type.Optional(Type.Object({ id: Type.String(), name: Type.String(), domain: Named })),
  is_domain: Type.Optional(Type.Boolean()),
  roles: Type.Optional(Type.Array(Named)),
  catalog: Type.Optional(Type.Array(CatalogEntry)),
});

export const TokenResponse = Type.Object({ token: Token });

export const KeystoneError = Type.Object({
  error: Type.Object({ code: Type.Integer(), message: Type.String(), title: Type.String() }),
});
