-- Custom properties (seed 002): the orders the property lists page by, and the built-in properties.

-- GET /api/v1/properties and /property_categories page by creation, optionally within one context;
-- the property values of a user or organization list that context's properties in the same order.
CREATE INDEX properties_created ON properties(created_at, id);
CREATE INDEX properties_context_created ON properties(context, created_at, id);
CREATE INDEX property_categories_created ON property_categories(created_at, id);
CREATE INDEX property_categories_context_created ON property_categories(context, created_at, id);

-- The built-in properties that Kinde's SDKs read from tokens (`user_properties.kp_usr_city.v`, …);
-- seed 002's token examples show them as `"kp_usr_city": {}` while unset. They cannot be deleted.
INSERT INTO properties (id, key, name, description, type, context, is_private, is_kinde_property, category_id, created_at) VALUES
  ('prop_kp_usr_city', 'kp_usr_city', 'City', NULL, 'single_line_text', 'usr', 0, 1, NULL, 0),
  ('prop_kp_usr_industry', 'kp_usr_industry', 'Industry', NULL, 'single_line_text', 'usr', 0, 1, NULL, 0),
  ('prop_kp_usr_is_marketing_opt_in', 'kp_usr_is_marketing_opt_in', 'Marketing opt-in', NULL, 'single_line_text', 'usr', 0, 1, NULL, 0),
  ('prop_kp_usr_job_title', 'kp_usr_job_title', 'Job title', NULL, 'single_line_text', 'usr', 0, 1, NULL, 0),
  ('prop_kp_usr_middle_name', 'kp_usr_middle_name', 'Middle name', NULL, 'single_line_text', 'usr', 0, 1, NULL, 0),
  ('prop_kp_usr_postcode', 'kp_usr_postcode', 'Postcode', NULL, 'single_line_text', 'usr', 0, 1, NULL, 0),
  ('prop_kp_usr_salutation', 'kp_usr_salutation', 'Salutation', NULL, 'single_line_text', 'usr', 0, 1, NULL, 0),
  ('prop_kp_usr_state_region', 'kp_usr_state_region', 'State/Region', NULL, 'single_line_text', 'usr', 0, 1, NULL, 0),
  ('prop_kp_usr_street_address', 'kp_usr_street_address', 'Street address', NULL, 'single_line_text', 'usr', 0, 1, NULL, 0),
  ('prop_kp_usr_street_address_2', 'kp_usr_street_address_2', 'Street address 2', NULL, 'single_line_text', 'usr', 0, 1, NULL, 0),
  ('prop_kp_org_city', 'kp_org_city', 'City', NULL, 'single_line_text', 'org', 0, 1, NULL, 0),
  ('prop_kp_org_industry', 'kp_org_industry', 'Industry', NULL, 'single_line_text', 'org', 0, 1, NULL, 0),
  ('prop_kp_org_postcode', 'kp_org_postcode', 'Postcode', NULL, 'single_line_text', 'org', 0, 1, NULL, 0),
  ('prop_kp_org_state_region', 'kp_org_state_region', 'State/Region', NULL, 'single_line_text', 'org', 0, 1, NULL, 0),
  ('prop_kp_org_street_address', 'kp_org_street_address', 'Street address', NULL, 'single_line_text', 'org', 0, 1, NULL, 0),
  ('prop_kp_org_street_address_2', 'kp_org_street_address_2', 'Street address 2', NULL, 'single_line_text', 'org', 0, 1, NULL, 0);
