"""The route classes the auth matrix walks: one representative request per route.

Each area adds its routes here as they land: (method, path, required role, body).
Role None means public. A request that passes auth may still get 4xx for its body
or a missing object: the matrix only asserts what auth decides (401/403 vs not).
"""
ROUTES = [
    ("GET", "/healthz", None, None),
    ("GET", "/readyz", None, None),
    ("GET", "/openapi.yaml", None, None),
    ("GET", "/metrics", "reader", None),
    ("GET", "/v1/instances", "reader", None),
    ("GET", "/v1/instances/111122223333/us-east-1/i-0123456789abcdef0", "reader", None),
    ("GET", "/v1/evaluations", "reader", None),
    ("GET", "/v1/summary", "reader", None),
]
