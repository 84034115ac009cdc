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
    # policy: allow-list rules, exemptions, images, simulations, audit
    ("GET", "/v1/rules", "reader", None),
    ("POST", "/v1/rules", "admin", {"id": "matrix", "criteria": {"owners": ["amazon"]}}),
    ("GET", "/v1/rules/matrix", "reader", None),
    ("PUT", "/v1/rules/matrix", "admin", {"id": "matrix", "criteria": {"owners": ["self"]}}),
    ("DELETE", "/v1/rules/matrix", "admin", None),
    ("GET", "/v1/exemptions", "reader", None),
    ("POST", "/v1/exemptions", "admin", {"reason": "matrix", "account": "111122223333",
                                         "expires_at": "2099-01-01T00:00:00Z"}),
    ("GET", "/v1/exemptions/matrix", "reader", None),
    ("DELETE", "/v1/exemptions/matrix", "admin", None),
    ("GET", "/v1/images/us-east-1/ami-12345678", "reader", None),
    ("PUT", "/v1/images/us-east-1/ami-12345678", "admin", {"owner_alias": "amazon", "tags": {}}),
    ("GET", "/v1/audit", "admin", None),
    ("POST", "/v1/simulations", "admin", {"rules": []}),
    # deliveries and sweep
    ("GET", "/v1/deliveries", "reader", None),
    ("GET", "/v1/sweeps", "reader", None),
    # intake: the quarantine of rejected batch items
    ("GET", "/v1/rejected-events", "admin", None),
    # alerts (no destination configured in the matrix's server: 409 after auth)
    ("POST", "/v1/alerts/test", "admin", None),
]

# pipeline
ROUTES += [
    ("POST", "/v1/events", "ingest", '{"version":"0","id":"x"}'),
    ("GET", "/v1/instances", "reader", None),
    ("GET", "/v1/instances/111122223333/us-east-1/i-0123456789abcdef0", "reader", None),
    ("GET", "/v1/evaluations", "reader", None),
    ("GET", "/v1/summary", "reader", None),
]

# launch templates
ROUTES += [
    ("GET", "/v1/launch-templates", "reader", None),
    ("GET", "/v1/launch-templates/111122223333/us-east-1/lt-0123456789abcdef0", "reader", None),
]
