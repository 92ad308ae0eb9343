"""Progress DataDirect Hybrid Data Pipeline: samples on the vendor's pages, written down for the tests.

Pages read (Administrator Permissions API, HDP 4.6 and 5.0):
- Get details on a permission: https://docs.progress.com/bundle/datadirect-hybrid-data-pipeline/page/Get-details-on-a-permission.html
- Get permissions: https://docs.progress.com/bundle/datadirect-hybrid-data-pipeline-46/page/Get-permissions.html
Both: "The user must have either the Administrator (12) or MgmtAPI (11) permission."
"""

ADMINISTRATOR, MGMT_API = 12, 11
NO_SUCH_PERMISSION = 222208553

# (method, spec path, status, body): the pages' success and failure samples, verbatim
SAMPLES = [
    ("GET", "/api/admin/permissions/{id}", 200,
     {"id": 1, "name": "CreateDataSource", "description": "May create new data sources"}),
    ("GET", "/api/admin/permissions/{id}", 404,
     {"error": {"code": 222208553, "message": {"lang": "en-US", "value": "There is no Permission with that id: 1234"}}}),
    ("GET", "/api/admin/permissions", 200,
     {"permissions": [
         {"id": 1, "name": "CreateDataSource", "description": "May create new data sources."},
         {"id": 2, "name": "ViewDataSource", "description": "May view any data source they own (when given to a role or "
                                                            "user) or view an individual data source they own (when given to a data source)."},
         {"id": 3, "name": "ModifyDataSource", "description": "May modify/update any data source they own (when given to "
                                                              "a role or user) or modify/update an individual data source they own(when given "
                                                              "to a data source)."}]}),
    ("GET", "/api/admin/permissions", 500,
     {"error": {"code": 222207919, "message": {"lang": "en-US",
                                                "value": "Problem getting Roles at this time. Please try again at another time."}}}),
]

# The pages above, as recorded in specs/hdp.yaml x-vendor-artifacts
SOURCES = ("https://docs.progress.com/bundle/datadirect-hybrid-data-pipeline/page/Get-details-on-a-permission.html",
           "https://docs.progress.com/bundle/datadirect-hybrid-data-pipeline-46/page/Get-permissions.html")
