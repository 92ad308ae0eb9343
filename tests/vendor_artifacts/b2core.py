"""B2Broker B2Core IB API, IP address policies: the page's facts, written down for the tests.

Pages read: https://docs.ib.b2core.b2broker.com/en/api-guide/api-reference-ip-address-policies.html (seed 004) and the
IB API overview, api-reference-overview.html ("the parameters that must be included in requests are marked as required"; 201 after POST; 204 "no
response body was returned").
"""

# Body fields of POST /addresses, and which of them the page marks required: none.
CREATE_FIELDS = ("ipAddress", "policy", "ttl")
MARKED_REQUIRED: tuple[str, ...] = ()
POLICIES = ("allow", "deny")

# The page's object sample and create body
SAMPLE_OBJECT = {"addressId": "6006dda272f002519c3eb505", "ipAddress": "185.155.96.184", "policy": "allow", "ttl": 1,
                 "expireTime": "2021-01-01T00:00:00+00:00", "createTime": "2021-01-01T00:00:00+00:00",
                 "updateTime": "2021-01-01T00:00:00+00:00"}
SAMPLE_CREATE = {"ipAddress": "185.155.96.184", "policy": "allow", "ttl": 1}

# The pages above, as recorded in specs/b2core.yaml x-vendor-artifacts
SOURCES = ("https://docs.ib.b2core.b2broker.com/en/api-guide/api-reference-ip-address-policies.html",
           "https://docs.ib.b2core.b2broker.com/en/api-guide/api-reference-overview.html")
