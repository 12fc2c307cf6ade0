package app_test

import (
	"testing"
	"time"

	"github.com/customersvc/customersvc/cmd/customersvc/app"
)

// TestLoadConfigDeadLetterLimits: the dead-letter stream's limits default
// to 30 days, 1 GiB and 100,000 messages; with NATS_URL the byte limit is
// only the one given (an external server reserves it from its store, and a
// shared one may not have a gigabyte to spare); bad ones are refused.
func TestLoadConfigDeadLetterLimits(t *testing.T) {
	t.Parallel()
	cfg, err := app.LoadConfig("test", nil, env(map[string]string{}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DeadLetterMaxAge != 30*24*time.Hour || cfg.DeadLetterMaxBytes != 1<<30 || cfg.DeadLetterMaxMsgs != 100_000 {
		t.Errorf("embedded defaults: %s, %s, %d", cfg.DeadLetterMaxAge, cfg.DeadLetterMaxBytes.String(), cfg.DeadLetterMaxMsgs)
	}
	cfg, err = app.LoadConfig("test", nil, env(map[string]string{"NATS_URL": "nats://broker:4222"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DeadLetterMaxAge != 30*24*time.Hour || cfg.DeadLetterMaxBytes != 0 || cfg.DeadLetterMaxMsgs != 100_000 {
		t.Errorf("external defaults: %s, %s, %d", cfg.DeadLetterMaxAge, cfg.DeadLetterMaxBytes.String(), cfg.DeadLetterMaxMsgs)
	}
	cfg, err = app.LoadConfig("test", []string{"--nats-deadletter-max-msgs", "50"}, env(map[string]string{"NATS_URL": "nats://broker:4222",
		"NATS_DEADLETTER_MAX_BYTES": "256MiB", "NATS_DEADLETTER_MAX_AGE": "168h", "NATS_DEADLETTER_MAX_MSGS": "7"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DeadLetterMaxAge != 168*time.Hour || cfg.DeadLetterMaxBytes != 256<<20 || cfg.DeadLetterMaxMsgs != 50 {
		t.Errorf("given: %s, %s, %d", cfg.DeadLetterMaxAge, cfg.DeadLetterMaxBytes.String(), cfg.DeadLetterMaxMsgs)
	}
	cfg, err = app.LoadConfig("test", nil, env(map[string]string{"NATS_DEADLETTER_MAX_BYTES": "0", "NATS_DEADLETTER_MAX_AGE": "0", "NATS_DEADLETTER_MAX_MSGS": "0"}))
	if err != nil || cfg.DeadLetterMaxAge != 0 || cfg.DeadLetterMaxBytes != 0 || cfg.DeadLetterMaxMsgs != 0 {
		t.Errorf("no limits: %v, %+v", err, cfg)
	}
	for _, bad := range []map[string]string{
		{"NATS_DEADLETTER_MAX_AGE": "-1h"},
		{"NATS_DEADLETTER_MAX_AGE": "30s"},
		{"NATS_DEADLETTER_MAX_BYTES": "-1"},
		{"NATS_DEADLETTER_MAX_BYTES": "lots"},
		{"NATS_DEADLETTER_MAX_MSGS": "-1"},
		{"NATS_DEADLETTER_MAX_MSGS": "many"},
	} {
		if _, err := app.LoadConfig("test", nil, env(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
