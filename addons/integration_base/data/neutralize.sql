-- A copied (staging) database must never talk to a live account.
UPDATE integration_backend SET state = 'disabled', environment = 'sandbox';
DELETE FROM integration_credential;
UPDATE ir_cron SET active = false WHERE integration_worker_platform IS NOT NULL;
