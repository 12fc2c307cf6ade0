package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/customersvc/customersvc/command"
	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/projections/rebuild"
	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/history"
	transporthttp "github.com/customersvc/customersvc/transport/http"
	"github.com/customersvc/customersvc/transport/http/auth"
)

func (s *Service) serveHTTP() error {
	handler, err := s.newHandler()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", s.cfg.HTTPAddr)
	if err != nil {
		return err
	}
	s.listener = ln
	s.server = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: min(5*time.Second, s.cfg.HTTPReadTimeout),
		ReadTimeout:       s.cfg.HTTPReadTimeout,
		WriteTimeout:      s.cfg.HTTPWriteTimeout,
		IdleTimeout:       s.cfg.HTTPIdleTimeout,
		MaxHeaderBytes:    64 << 10,
	}
	if s.cfg.AdminAddr != "" {
		if err := s.serveAdmin(); err != nil {
			return err
		}
	}
	if s.cfg.DebugAddr != "" {
		if err := s.serveDebug(); err != nil {
			return err
		}
	}
	go func() {
		if err := s.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("http server stopped", "error", err)
		}
	}()
	return nil
}

func (s *Service) newHandler() (http.Handler, error) {
	secret, err := s.secret()
	if err != nil {
		return nil, err
	}
	verifier, err := auth.NewVerifier(auth.Config{HS256Secret: secret, Issuer: s.cfg.AuthIssuer,
		Audience: s.cfg.AuthAudience, Leeway: s.cfg.AuthLeeway, JWKSURL: s.cfg.AuthJWKSURL,
		JWKSRefreshInterval: s.cfg.AuthJWKSRefreshInterval, JWKSMinRefetchInterval: s.cfg.AuthJWKSMinRefetch,
		AllowHTTPJWKS: s.cfg.AuthJWKSAllowHTTP, JWKSMaxStaleness: s.cfg.AuthJWKSMaxStaleness})
	if err != nil {
		return nil, err
	}
	s.onClose(func() error { verifier.Close(); return nil })
	s.verifier = verifier
	create, err := command.NewCreateCustomerHandler(s.store, domain.Branding{
		LogoURL: s.cfg.BrandingLogoURL, DarkLogoURL: s.cfg.BrandingDarkLogoURL})
	if err != nil {
		return nil, err
	}
	customerHistory, err := history.New(s.store)
	if err != nil {
		return nil, err
	}
	events, err := query.NewListCustomerEventsHandler(customerHistory)
	if err != nil {
		return nil, err
	}
	serving := servingReadModel{model: s.readModel, ready: s.caughtUp}
	get, err := query.NewGetCustomerHandler(serving, customerHistory)
	if err != nil {
		return nil, err
	}
	cursorKey, err := s.cursorKey(secret)
	if err != nil {
		return nil, err
	}
	list, err := query.NewListCustomersHandler(serving, cursorKey)
	if err != nil {
		return nil, err
	}
	return transporthttp.NewHandler(transporthttp.Deps{
		Verifier: verifier, CreateCustomer: create, GetCustomer: get, ListCustomers: list, Logger: s.logger,
		ListCustomerEvents: events,
		// Readiness means this replica can serve its API. Without the
		// broker it can: creates are stored and relayed once NATS is back,
		// reads answer, only later than usual; and every replica shares the
		// broker, so failing readiness for it would take them all out of
		// rotation at once. It is reported as degraded.
		Checks: map[string]func(context.Context) error{
			"event_store": s.store.Ping,
			"broker":      transporthttp.Degradable(s.brokerReady),
			"read_model":  s.readModelReady,
		},
	})
}

// secret is the configured HS256 secret, or the one kept in DATA_DIR when
// no OIDC key set is configured either; with only a key set, HS256 is off.
func (s *Service) secret() ([]byte, error) {
	switch {
	case s.cfg.AuthHS256Secret != "":
		return []byte(s.cfg.AuthHS256Secret), nil
	case s.cfg.AuthJWKSURL != "":
		return nil, nil
	}
	return auth.LoadOrCreateSecret(s.cfg.DataDir)
}

// cursorKey signs the list cursors: derived from the token secret, so
// that cursors survive a restart and every replica with the same secret
// takes them; with only an OIDC key set there is no secret to share, and
// a random key makes cursors good on this process only (README).
func (s *Service) cursorKey(secret []byte) ([]byte, error) {
	if len(secret) == 0 {
		s.logger.Info("list cursors are signed with a random key: no HS256 secret to derive one from, so a cursor is good on this instance until it restarts")
		return query.RandomCursorKey(), nil
	}
	return query.DeriveCursorKey(secret)
}

// readModelReady: the read model answers and has caught up since start.
func (s *Service) readModelReady(ctx context.Context) error {
	if err := s.readModel.Ping(ctx); err != nil {
		return err
	}
	return s.caughtUp(ctx)
}

// caughtUp: the read model holds everything that was in the log when this
// instance started (lists of it are complete).
func (s *Service) caughtUp(ctx context.Context) error {
	if s.bootstrapping.Load() {
		return fmt.Errorf("%w: loading the read model from the event store", transporthttp.ErrCatchingUp)
	}
	return s.catchUp.check(ctx)
}

func (s *Service) brokerReady(ctx context.Context) error {
	if err := s.broker.ping(ctx); err != nil {
		return err
	}
	if s.LeadsRelay() && !s.relay.Healthy() {
		return errors.New("relay cannot publish")
	}
	return nil
}

// serveAdmin serves the operators' API (transporthttp.NewAdminHandler) on
// its own address, never on the public one. Its tokens are the public
// API's, with the admin permission.
func (s *Service) serveAdmin() error {
	handler, err := transporthttp.NewAdminHandler(transporthttp.AdminDeps{
		Verifier: s.verifier, AllowedHosts: s.cfg.listenerHosts(s.cfg.AdminAddr),
		DeadLetters: s.deadLetters, ParkedSinceStart: s.poison.Parked, Projections: s.rebuilds, Logger: s.logger,
	})
	if err != nil {
		return err
	}
	ln, err := s.listenOperators("admin API", s.cfg.AdminAddr, handler)
	s.adminListener = ln
	return err
}

// serveDebug serves the profiler (transporthttp.NewDebugHandler) on
// DEBUG_ADDR.
func (s *Service) serveDebug() error {
	handler := transporthttp.NewDebugHandler(transporthttp.DebugDeps{
		AllowedHosts: s.cfg.listenerHosts(s.cfg.DebugAddr), Logger: s.logger})
	ln, err := s.listenOperators("profiler", s.cfg.DebugAddr, handler)
	s.debugListener = ln
	return err
}

// listenOperators serves one of the operators' listeners on addr until
// shutdown; on every interface (allowed by ADMIN_ALLOW_ALL_INTERFACES) it
// says so in the log.
func (s *Service) listenOperators(what, addr string, handler http.Handler) (net.Listener, error) {
	if host, _, err := net.SplitHostPort(addr); err == nil && allInterfaces(host) {
		s.logger.Warn(what+" listens on every interface (ADMIN_ALLOW_ALL_INTERFACES): make sure only operators can reach it",
			"addr", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	s.onClose(srv.Close)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error(what+" server stopped", "error", err)
		}
	}()
	return ln, nil
}

// rebuildManager rebuilds the read model in DATA_DIR file by file, or a
// shared one in place, for every replica at once.
func (s *Service) rebuildManager() (*rebuild.Manager, error) {
	cfg := rebuild.Config{Logger: s.logger}
	if s.localModel != nil {
		return rebuild.NewManager(s.store, s.localModel, s.cfg.DataDir, cfg)
	}
	shared, ok := s.readModel.(rebuild.SharedReadModel)
	if !ok {
		return nil, fmt.Errorf("read model %T cannot be rebuilt", s.readModel)
	}
	return rebuild.NewSharedManager(s.store, shared, cfg)
}

// AdminAddr is the address of the operators' API, empty when it is off.
func (s *Service) AdminAddr() string {
	if s.adminListener == nil {
		return ""
	}
	return s.adminListener.Addr().String()
}

// DebugAddr is the address of the profiler, empty when it is off.
func (s *Service) DebugAddr() string {
	if s.debugListener == nil {
		return ""
	}
	return s.debugListener.Addr().String()
}
