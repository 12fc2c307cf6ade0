package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/customersvc/customersvc/cmd/customersvc/app"
)

// adminFlagSet is the flag set of a command that talks to the admin API,
// with its --admin-addr flag (default ADMIN_ADDR, else the service's default).
func adminFlagSet(name string, getenv func(string) string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	admin := fs.String("admin-addr", orDefault(getenv("ADMIN_ADDR"), app.DefaultConfig().AdminAddr), "the service's admin address")
	return fs, admin
}

// envelope is the admin API's answer, as the public API's.
type envelope struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

// adminCall sends one request to the admin API, decodes the envelope's data
// into data, and returns that data as it came (JSON).
func adminCall(ctx context.Context, method, url string, data any) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("admin API (is the service running with ADMIN_ADDR?): %w", err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, adminError(res, raw)
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("admin API: %w", err)
	}
	if err := json.Unmarshal(env.Data, data); err != nil {
		return nil, fmt.Errorf("admin API: %w", err)
	}
	return env.Data, nil
}

// adminError is a refusal of the admin API, with its envelope's message.
func adminError(res *http.Response, raw []byte) error {
	var env envelope
	if json.Unmarshal(raw, &env) == nil && env.Message != "" {
		return fmt.Errorf("admin API: %s: %s", res.Status, env.Message)
	}
	return fmt.Errorf("admin API: %s: %s", res.Status, strings.TrimSpace(string(raw)))
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
