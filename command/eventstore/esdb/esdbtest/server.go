package esdbtest

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/serverfeatures"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
)

// ServerVersion is the EventStoreDB version the double claims to be.
const ServerVersion = "24.10.0"

// Server is a running test double. Its methods are safe for concurrent use.
type Server struct {
	lis       net.Listener
	grpc      *grpc.Server
	log       *eventLog
	served    chan struct{} // closed when Serve has returned
	closeOnce sync.Once
}

// Start serves a new, empty double on a free port of 127.0.0.1.
func Start() (*Server, error) {
	return StartAt("127.0.0.1:0")
}

// StartAt serves a new, empty double on addr, for example the Addr of a
// closed Server to test reconnecting to a restarted server.
func StartAt(addr string) (*Server, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("esdbtest: listen on %s: %w", addr, err)
	}
	s := &Server{
		lis: lis,
		// The client pings every 10s by default, with or without calls
		// running; grpc-go's default policy would answer that with GOAWAY.
		grpc: grpc.NewServer(grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{
			MinTime: time.Second, PermitWithoutStream: true,
		})),
		log:    newEventLog(),
		served: make(chan struct{}),
	}
	streams.RegisterStreamsServer(s.grpc, &streamsService{log: s.log})
	serverfeatures.RegisterServerFeaturesServer(s.grpc, featuresService{})
	go func() {
		defer close(s.served)
		_ = s.grpc.Serve(lis) // returns when Close stops the server
	}()
	return s, nil
}

// Addr returns the host:port the double listens on.
func (s *Server) Addr() string { return s.lis.Addr().String() }

// URL returns a connection string for the client: a single node, so that
// the client asks no gossip, without TLS.
func (s *Server) URL() string { return "esdb://" + s.Addr() + "?tls=false" }

// Close stops the double at once: open calls and subscriptions fail on the
// client as if the server went away, and the events are gone. Close is
// idempotent.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.grpc.Stop()
		<-s.served
	})
}

// DropSubscriptions ends every live subscription with Unavailable, as a
// restarting server would, and returns how many it ended. Connections and
// other calls stay up, so a client can subscribe again at once.
func (s *Server) DropSubscriptions() int { return s.log.dropSubscriptions() }

// featuresService answers the client's first call on a connection.
type featuresService struct {
	serverfeatures.UnimplementedServerFeaturesServer
}

// GetSupportedMethods lists the methods the double implements. It leaves
// out batch append, so the client never relies on it.
func (featuresService) GetSupportedMethods(context.Context, *shared.Empty) (*serverfeatures.SupportedMethods, error) {
	method := func(service, name string) *serverfeatures.SupportedMethod {
		return &serverfeatures.SupportedMethod{ServiceName: service, MethodName: name}
	}
	return &serverfeatures.SupportedMethods{
		EventStoreServerVersion: ServerVersion,
		Methods: []*serverfeatures.SupportedMethod{
			method("event_store.client.streams.streams", "read"),
			method("event_store.client.streams.streams", "append"),
			method("event_store.client.server_features.serverfeatures", "getsupportedmethods"),
		},
	}, nil
}
