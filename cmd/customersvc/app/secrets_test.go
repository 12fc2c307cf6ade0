package app_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
)

// lockedBuffer collects log output written from many goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestNoSecretsInLogs: with debug logging, neither tokens (good or bad) nor
// the signing secret reach the log.
func TestNoSecretsInLogs(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	svc := startServiceLogging(t, t.TempDir(), &logs, -8) // below debug: everything
	good := token(t, "Reseller", "reseller-"+uuid.NewString())
	forged := good[:len(good)-4] + "AAAA"
	for _, tok := range []string{good, forged, "garbage.token.value"} {
		svc.do(t, "POST", "/customers", tok, `{"name":"Logged","custom_data":{"vat":"`+uniqueVAT()+`"}}`)
		svc.do(t, "POST", "/customers", tok, `{"name":`)
		svc.do(t, "GET", "/customers/"+uuid.NewString(), tok, nil)
	}
	svc.stop()
	out := logs.String()
	if out == "" {
		t.Fatal("nothing was logged; the test would prove nothing")
	}
	for name, secret := range map[string]string{"token": good, "forged token": forged, "token signature": good[strings.LastIndex(good, ".")+1:], "secret": testSecret} {
		if strings.Contains(out, secret) {
			t.Errorf("the %s appears in the log", name)
		}
	}
}
