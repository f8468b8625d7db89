"""Who handles people's data requests: the Privacy officers group (made by
the migrations) and the Coordinators, each through the model permissions
the migrations give them on exports, erasure requests and the access log."""

PRIVACY_OFFICERS = "Privacy officers"
