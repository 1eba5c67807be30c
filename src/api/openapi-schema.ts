// The route schemas as the OpenAPI document shows them (@fastify/swagger's transform); validation keeps the
// routes' own.
type JsonSchema = { properties?: Record<string, unknown>; required?: string[]; [k: string]: unknown };

/**
 * A querystring that is a free-form map (TypeBox Record: the route parses it by hand) has no named
 * parameters to list, and @fastify/swagger would list the map's own keywords (`type`,
 * `additionalProperties`) as parameters; a params schema shared by a route with and without `{project_id}`
 * names only the URL's own parameters.
 */
export function openapiRouteSchema(
  schema: Record<string, unknown> | undefined,
  url: string,
): Record<string, unknown> | undefined {
  if (!schema) return schema;
  const out: Record<string, unknown> = { ...schema };
  const query = schema.querystring as JsonSchema | undefined;
  if (query && query.properties === undefined) out.querystring = { type: 'object', properties: {} };
  const params = schema.params as JsonSchema | undefined;
  if (params?.properties) {
    const inUrl = new Set([...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!));
    const properties = Object.fromEntries(Object.entries(params.properties).filter(([k]) => inUrl.has(k)));
    const required = (params.required ?? []).filter((k) => inUrl.has(k));
    const { required: _all, ...rest } = params;
    out.params = { ...rest, properties, ...(required.length > 0 ? { required } : {}) };
  }
  return out;
}
