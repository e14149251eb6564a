-- Why a staff member declined trip work (DECLINE <ref> <reason> over WhatsApp), for operations.
ALTER TABLE trip_assignments ADD COLUMN decline_reason text;
