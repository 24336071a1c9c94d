-- Organizations in the management API (seed 002), beyond 090.
-- At most one default organization, even when processes start together and each creates one.
CREATE UNIQUE INDEX organizations_one_default ON organizations(is_default) WHERE is_default = 1;
