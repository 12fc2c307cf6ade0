package nats

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Connector opens connections to one NATS server: an external URL, or the
// embedded server in process.
type Connector struct {
	URL      string
	Embedded *server.Server
	Logger   *slog.Logger
}

// Connect opens a connection that reconnects forever with backoff and
// buffers publishes while disconnected.
func (c Connector) Connect(name string) (*nats.Conn, error) {
	logger := c.Logger
	if logger == nil {
		logger = slog.Default()
	}
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.ReconnectJitter(250*time.Millisecond, time.Second),
		nats.RetryOnFailedConnect(true),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil { // nil: the connection was closed on purpose
				logger.Warn("nats: disconnected", "connection", name, "error", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			logger.Info("nats: reconnected", "connection", name)
		}),
	}
	url := c.URL
	if c.Embedded != nil {
		opts = append(opts, nats.InProcessServer(c.Embedded))
		url = ""
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to nats: %w", err)
	}
	return nc, nil
}
