package esdb

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	esdbclient "github.com/EventStore/EventStore-Client-Go/v4/esdb"
)

// Config configures a Store. Zero fields take the defaults below.
type Config struct {
	// URL is a connection string the client accepts, such as
	// esdb://localhost:2113?tls=false, esdb://user:pass@host:2113 or
	// esdb+discover://cluster.example:2113. It may hold credentials;
	// they are never logged.
	URL string
	// Logger gets the store's and the client's messages. Default
	// slog.Default(); the client's chatter is logged at Debug.
	Logger *slog.Logger
	// FollowBatch caps the events Follow hands over at once. Default 512.
	FollowBatch int
	// FollowLinger is how long Follow waits for another event before
	// handing over a batch that is not full: the subscription counts as
	// quiet after that. Default 2ms.
	FollowLinger time.Duration
	// ResubscribeMin and ResubscribeMax bound the exponential backoff
	// between Follow's attempts to subscribe again after its subscription
	// dropped. Defaults 100ms and 5s.
	ResubscribeMin time.Duration
	ResubscribeMax time.Duration
}

const (
	defaultFollowBatch    = 512
	defaultFollowLinger   = 2 * time.Millisecond
	defaultResubscribeMin = 100 * time.Millisecond
	defaultResubscribeMax = 5 * time.Second
)

func (c *Config) setDefaults() {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.FollowBatch == 0 {
		c.FollowBatch = defaultFollowBatch
	}
	if c.FollowLinger == 0 {
		c.FollowLinger = defaultFollowLinger
	}
	if c.ResubscribeMin == 0 {
		c.ResubscribeMin = defaultResubscribeMin
	}
	if c.ResubscribeMax == 0 {
		c.ResubscribeMax = max(defaultResubscribeMax, c.ResubscribeMin)
	}
}

// Validate reports every problem of c at once. Zero fields are valid: they
// stand for the defaults. Its messages never contain the URL's password.
func (c Config) Validate() error {
	var errs []error
	if c.URL == "" {
		errs = append(errs, errors.New("no URL given"))
	} else if _, err := parseURL(c.URL); err != nil {
		errs = append(errs, err)
	}
	if c.FollowBatch < 0 {
		errs = append(errs, fmt.Errorf("FollowBatch %d must not be negative", c.FollowBatch))
	}
	if c.FollowLinger < 0 {
		errs = append(errs, fmt.Errorf("FollowLinger %s must not be negative", c.FollowLinger))
	}
	if c.ResubscribeMin < 0 {
		errs = append(errs, fmt.Errorf("ResubscribeMin %s must not be negative", c.ResubscribeMin))
	}
	if c.ResubscribeMax < 0 {
		errs = append(errs, fmt.Errorf("ResubscribeMax %s must not be negative", c.ResubscribeMax))
	}
	if c.ResubscribeMax > 0 && c.ResubscribeMax < c.ResubscribeMin {
		errs = append(errs, fmt.Errorf("ResubscribeMax %s is less than ResubscribeMin %s", c.ResubscribeMax, c.ResubscribeMin))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("esdb event store config: %w", err)
	}
	return nil
}

// parseURL parses a connection string with the client's parser. A parse
// error from net/url quotes the whole string, password included, so only
// its reason is kept.
func parseURL(s string) (*esdbclient.Configuration, error) {
	cfg, err := esdbclient.ParseConnectionString(s)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return nil, fmt.Errorf("bad URL %s: %v", redact(s), err)
	}
	return cfg, nil
}

// redact returns a connection string fit for logs: the password, if any,
// replaced by "xxxxx". It works on strings net/url cannot parse too, such
// as a list of gossip seeds.
func redact(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return "(not a URL)"
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return s
	}
	user, _, hasPassword := strings.Cut(rest[:at], ":")
	if hasPassword {
		user += ":xxxxx"
	}
	return scheme + "://" + user + rest[at:]
}
