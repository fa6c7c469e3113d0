package config

import (
	"fmt"
	"net/url"
	"os"

	"github.com/spf13/viper"

	"github.com/argo-backup/argo-backup/restore"
)

// validateTasks checks the verify and prune sections and the ping URLs.
func (c *Config) validateTasks() error {
	for key, spec := range map[string]string{"verify.schedule": c.Verify.Schedule,
		"verify.restore_schedule": c.Verify.RestoreSchedule, "prune.schedule": c.Prune.Schedule} {
		if spec == "" {
			continue // "" turns the scheduled task off
		}
		if err := checkSchedule(spec); err != nil {
			return fmt.Errorf("%s: %v", key, err)
		}
	}
	if _, err := restore.ParseBudget(c.Verify.Budget); err != nil {
		return fmt.Errorf("verify.%v", err)
	}
	urls := map[string]string{"healthchecks_url": c.HealthchecksURL, "webhook_url": c.WebhookURL,
		"verify.healthchecks_url": c.Verify.HealthchecksURL, "prune.healthchecks_url": c.Prune.HealthchecksURL}
	for _, sv := range c.Subvolumes {
		urls["subvolume "+sv.Name+": healthchecks_url"] = sv.HealthchecksURL
	}
	for key, u := range urls {
		if err := checkPingURL(key, u); err != nil {
			return err
		}
	}
	return nil
}

// checkPingURL accepts "" (no pings) and http(s) URLs with a host.
func checkPingURL(key, s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s: %q is not an http(s) URL: write it like https://hc-ping.com/<uuid>", key, s)
	}
	return nil
}

// restoreOffWithVerify keeps an older config's "verify: {schedule: ”}"
// meaning what it meant: no scheduled verify at all. Before
// verify.restore_schedule existed, that turned the test restore off; so
// unless the config (or the environment) sets restore_schedule, it stays
// off with verify.schedule.
func restoreOffWithVerify(v *viper.Viper, c *Config) {
	_, inEnv := os.LookupEnv("ARGO_BACKUP_VERIFY_RESTORE_SCHEDULE")
	if c.Verify.Schedule == "" && !inEnv && !v.InConfig("verify.restore_schedule") {
		c.Verify.RestoreSchedule = ""
	}
}
