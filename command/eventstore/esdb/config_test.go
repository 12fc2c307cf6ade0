package esdb

import (
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want []string // substrings of the error; none: valid
	}{
		{"Defaults", Config{URL: "esdb://localhost:2113?tls=false"}, nil},
		{"Cluster", Config{URL: "esdb://admin:changeit@node1:2113,node2:2113,node3:2113?nodePreference=leader"}, nil},
		{"Discover", Config{URL: "esdb+discover://cluster.example:2113"}, nil},
		{"Set", Config{URL: "esdb://localhost", FollowBatch: 1, FollowLinger: time.Millisecond,
			ResubscribeMin: time.Second, ResubscribeMax: time.Minute}, nil},
		{"NoURL", Config{}, []string{"no URL given"}},
		{"Scheme", Config{URL: "http://localhost:2113"}, []string{"bad URL", "esdb://"}},
		{"Port", Config{URL: "esdb://admin:secret@localhost:port"}, []string{"bad URL", "admin:xxxxx@localhost"}},
		{"BackoffOrder", Config{URL: "esdb://localhost", ResubscribeMin: time.Minute, ResubscribeMax: time.Second},
			[]string{"ResubscribeMax 1s is less than ResubscribeMin 1m0s"}},
		{"AllAtOnce", Config{FollowBatch: -1, FollowLinger: -time.Second, ResubscribeMin: -time.Second, ResubscribeMax: -time.Minute},
			[]string{"no URL given", "FollowBatch -1", "FollowLinger -1s", "ResubscribeMin -1s", "ResubscribeMax -1m0s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate accepted an invalid config")
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q shows the password", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	tests := []struct{ url, want string }{
		{"esdb://localhost:2113?tls=false", "esdb://localhost:2113?tls=false"},
		{"esdb://admin:changeit@localhost:2113", "esdb://admin:xxxxx@localhost:2113"},
		{"esdb://admin@localhost:2113", "esdb://admin@localhost:2113"},
		{"esdb://ad:m@in:p@ss@a:1,b:2?x=@", "esdb://ad:xxxxx@a:1,b:2?x=@"},
		{"esdb+discover://u:p@cluster/?tls=true", "esdb+discover://u:xxxxx@cluster/?tls=true"},
		{"u:p@localhost", "(not a URL)"},
	}
	for _, tt := range tests {
		if got := redact(tt.url); got != tt.want {
			t.Errorf("redact(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}
