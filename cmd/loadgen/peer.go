package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// peerConfig is how compare starts the CRUD peer.
type peerConfig struct {
	addr   string // listen address
	server string // PostgreSQL server URL; the peer's database is made there
	pool   int    // the peer's connections
	bin    string // a crudpeer binary; "" builds ./cmd/crudpeer
	secret []byte
}

// peer is the CRUD peer running on a database of its own.
type peer struct {
	cmd    *exec.Cmd
	base   string
	server string
	dbName string
	work   string
}

// startPeer makes a fresh database and starts the CRUD peer on it.
func startPeer(ctx context.Context, cfg peerConfig) (*peer, error) {
	work, err := os.MkdirTemp("", "crudpeer-bench-")
	if err != nil {
		return nil, err
	}
	p := &peer{base: "http://" + cfg.addr, server: cfg.server, work: work, dbName: fmt.Sprintf("crudpeer_bench_%d", rand.Uint32())}
	bin := cfg.bin
	if bin == "" {
		bin = filepath.Join(work, "crudpeer")
		if err := goBuild(ctx, bin, "./cmd/crudpeer"); err != nil {
			os.RemoveAll(work)
			return nil, fmt.Errorf("build the peer: %w", err)
		}
	}
	dbURL, err := p.createDatabase(ctx, cfg.pool)
	if err != nil {
		os.RemoveAll(work)
		return nil, err
	}
	p.cmd = exec.Command(bin, "--http-addr", cfg.addr)
	p.cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "AUTH_HS256_SECRET="+string(cfg.secret))
	p.cmd.Stderr = os.Stderr
	if err := p.cmd.Start(); err != nil {
		p.dropDatabase()
		os.RemoveAll(work)
		return nil, err
	}
	if err := waitReady(ctx, p.base); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// createDatabase makes the peer's database and returns its URL.
func (p *peer) createDatabase(ctx context.Context, pool int) (string, error) {
	conn, err := pgx.Connect(ctx, p.server)
	if err != nil {
		return "", fmt.Errorf("-peer-db: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+p.dbName); err != nil {
		return "", fmt.Errorf("-peer-db: %w", err)
	}
	u, err := url.Parse(p.server)
	if err != nil {
		return "", err
	}
	u.Path = "/" + p.dbName
	q := u.Query()
	q.Set("pool_max_conns", strconv.Itoa(pool))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func (p *peer) dropDatabase() {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, p.server)
	if err != nil {
		fmt.Fprintf(os.Stderr, "loadgen: database %s left behind: %v\n", p.dbName, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+p.dbName+" WITH (FORCE)"); err != nil {
		fmt.Fprintf(os.Stderr, "loadgen: database %s left behind: %v\n", p.dbName, err)
	}
}

// stop stops the peer, drops its database and removes its files.
func (p *peer) stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	_ = p.cmd.Wait()
	p.dropDatabase()
	os.RemoveAll(p.work)
}

// gitDescribe names the checkout's commit, marked when the tree differs.
func gitDescribe() string {
	out, err := exec.Command("git", "describe", "--always", "--dirty").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}
