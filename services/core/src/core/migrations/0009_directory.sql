-- The directory's rules in the schema too: field staff have a kind (guide, driver, porter),
-- nobody else has one. Staff are deactivated, never deleted (trips and payroll name them).
ALTER TABLE staff ADD CONSTRAINT staff_kind_fits_role CHECK (
    (role = 'FIELD_STAFF' AND kind IN ('guide', 'driver', 'porter'))
    OR (role <> 'FIELD_STAFF' AND kind IS NULL)
);

-- GET /v1/staff pages by (role, name, id) within a tenant.
CREATE INDEX staff_listing ON staff (tenant_id, role, name, id);
