package nats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	// SyncInterval is how often JetStream flushes its files to disk: what
	// it acknowledged within the last interval can be lost in a machine
	// crash. Zero keeps nats-server's default (2 minutes).
	SyncInterval time.Duration
	// MaxStore caps what JetStream may keep on disk. JetStream refuses a
	// stream whose byte limit exceeds it; zero lets nats-server choose from
	// the disk's free space, which refuses a 16 GiB stream on a smaller
	// disk even while it is nearly empty.
	MaxStore int64
	// Log, when set, takes the server's warnings and errors; KeepJetStream
	// learns from it that a stream could not write.
	Log *ServerLog
}

// StartEmbedded starts a nats-server with JetStream in this process. It
// does not install signal handlers: the service owns shutdown.
func StartEmbedded(cfg EmbeddedConfig) (*server.Server, error) {
	if cfg.StoreDir == "" {
		return nil, errors.New("embedded nats: store directory is empty")
	}
	opts := embeddedOptions(cfg)
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
	if cfg.Log != nil {
		ns.SetLoggerV2(cfg.Log, false, false, false)
	}
	go ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("embedded nats: not ready after 30s")
	}
	return ns, nil
}

func embeddedOptions(cfg EmbeddedConfig) *server.Options {
	return &server.Options{
		ServerName:         "customersvc-embedded",
		JetStream:          true,
		StoreDir:           filepath.Clean(cfg.StoreDir),
		NoSigs:             true,
		NoLog:              cfg.Log == nil,
		DontListen:         cfg.Listen == "",
		MaxPayload:         8 << 20,
		JetStreamMaxMemory: 64 << 20,
		JetStreamMaxStore:  cfg.MaxStore,
		SyncInterval:       cfg.SyncInterval,
	}
}

// KeepJetStream looks at the embedded server's JetStream every interval
// until ctx ends, and starts it again when it has stopped or a stream of it
// could not write. nats-server stops JetStream when the disk fills, and a
// stream whose write failed refuses every message after, even once there
// is space again; a restart reads streams, consumers and messages back from
// the store directory. While the disk stays full each restart fails again,
// so the wait between restarts doubles, up to a minute, until JetStream
// has run through an interval without trouble. Meanwhile the relay retries
// its publishes, and creates go on.
func KeepJetStream(ctx context.Context, ns *server.Server, cfg EmbeddedConfig, every time.Duration, logger *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	wait, next := every, time.Time{}
	for {
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
		if !ns.Running() {
			continue
		}
		enabled := ns.JetStreamEnabled()
		failed := cfg.Log != nil && cfg.Log.writeFailed.Load()
		if enabled && !failed {
			wait = every // ran a whole interval without trouble
			continue
		}
		if time.Now().Before(next) {
			continue
		}
		next, wait = time.Now().Add(wait), min(2*wait, time.Minute)
		if cfg.Log != nil {
			cfg.Log.writeFailed.Store(false)
		}
		if enabled {
			if err := ns.ShutdownJetStream(); err != nil {
				logger.Warn("embedded nats: JetStream could not write and does not stop", "error", err)
				continue
			}
		}
		opts := embeddedOptions(cfg)
		err := ns.EnableJetStream(&server.JetStreamConfig{
			StoreDir: opts.StoreDir, SyncInterval: opts.SyncInterval, MaxMemory: opts.JetStreamMaxMemory,
			MaxStore: opts.JetStreamMaxStore, CompressOK: true, Strict: true,
		})
		if err != nil {
			logger.Warn("embedded nats: JetStream is stopped (a full disk?) and does not start yet", "error", err)
			continue
		}
		logger.Warn("embedded nats: JetStream restarted after it stopped or could not write (a full disk?)")
	}
}

// ServerLog passes the embedded server's warnings and errors to the
// service's log (its notices and traces are left out), and notes a
// stream's or consumer's critical write error for KeepJetStream.
type ServerLog struct {
	logger      *slog.Logger
	writeFailed atomic.Bool

	mu       sync.Mutex
	last     string    // the last message written
	lastAt   time.Time // when
	repeated int       // copies of it left out since
}

// repeatWindow is how long a message that comes again and again (a failed
// store, once per message, while the disk is full) is written only once.
const repeatWindow = 10 * time.Second

// NewServerLog returns a ServerLog writing to logger.
func NewServerLog(logger *slog.Logger) *ServerLog { return &ServerLog{logger: logger} }

func (l *ServerLog) Noticef(string, ...any) {}
func (l *ServerLog) Debugf(string, ...any)  {}
func (l *ServerLog) Tracef(string, ...any)  {}

func (l *ServerLog) Warnf(format string, v ...any) {
	l.write(slog.LevelWarn, fmt.Sprintf(format, v...))
}

func (l *ServerLog) Errorf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	if strings.Contains(strings.ToLower(msg), "critical write error") {
		l.writeFailed.Store(true)
	}
	l.write(slog.LevelError, msg)
}

func (l *ServerLog) Fatalf(format string, v ...any) {
	l.write(slog.LevelError, fmt.Sprintf(format, v...))
}

func (l *ServerLog) write(level slog.Level, msg string) {
	l.mu.Lock()
	now := time.Now()
	if msg == l.last && now.Sub(l.lastAt) < repeatWindow {
		l.repeated++
		l.mu.Unlock()
		return
	}
	repeated := l.repeated
	if msg != l.last {
		repeated = 0 // the copies of another message go unreported; they were the same
	}
	l.last, l.lastAt, l.repeated = msg, now, 0
	l.mu.Unlock()
	if repeated > 0 {
		l.logger.Log(context.Background(), level, "nats-server: "+msg, "repeated", repeated)
		return
	}
	l.logger.Log(context.Background(), level, "nats-server: "+msg)
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
