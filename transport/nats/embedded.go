package nats

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// EmbeddedConfig configures the in-process nats-server.
type EmbeddedConfig struct {
	// StoreDir holds JetStream's files.
	StoreDir string
	// Listen, host:port, also exposes the server on TCP for downstream
	// subscribers. Empty: in-process connections only.
	Listen string
}

// StartEmbedded starts a nats-server with JetStream in this process. It
// does not install signal handlers: the service owns shutdown.
func StartEmbedded(cfg EmbeddedConfig) (*server.Server, error) {
	if cfg.StoreDir == "" {
		return nil, errors.New("embedded nats: store directory is empty")
	}
	opts := &server.Options{
		ServerName:         "customersvc-embedded",
		JetStream:          true,
		StoreDir:           filepath.Clean(cfg.StoreDir),
		NoSigs:             true,
		NoLog:              true,
		DontListen:         cfg.Listen == "",
		MaxPayload:         8 << 20,
		JetStreamMaxMemory: 64 << 20,
	}
	if cfg.Listen != "" {
		host, port, err := splitHostPort(cfg.Listen)
		if err != nil {
			return nil, err
		}
		opts.Host, opts.Port = host, port
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("embedded nats: not ready after 30s")
	}
	return ns, nil
}

func splitHostPort(addr string) (string, int, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("embedded nats listen address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("embedded nats listen address %q: bad port", addr)
	}
	if port == 0 {
		// nats-server reads 0 as its default port, 4222; ":0" means any.
		port = server.RANDOM_PORT
	}
	return host, port, nil
}
