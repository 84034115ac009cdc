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
]
