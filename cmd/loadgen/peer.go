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
	cmd  *exec.Cmd
	base string
	db   *scratchDB
	work string
}

// scratchDB is a database made for one benchmark on a PostgreSQL server
// and dropped after it: the CRUD peer's (compare -peer-db) and the
// service's read model (scale -readmodel-url).
type scratchDB struct {
	server string // the server's URL, any database
	name   string
	flag   string // the flag that named the server, for errors
}

func newScratchDB(server, prefix, flag string) *scratchDB {
	return &scratchDB{server: server, name: fmt.Sprintf("%s_%d", prefix, rand.Uint32()), flag: flag}
}

// startPeer makes a fresh database and starts the CRUD peer on it.
func startPeer(ctx context.Context, cfg peerConfig) (*peer, error) {
	work, err := os.MkdirTemp("", "crudpeer-bench-")
	if err != nil {
		return nil, err
	}
	p := &peer{base: "http://" + cfg.addr, work: work, db: newScratchDB(cfg.server, "crudpeer_bench", "-peer-db")}
	bin := cfg.bin
	if bin == "" {
		bin = filepath.Join(work, "crudpeer")
		if err := goBuild(ctx, bin, "./cmd/crudpeer"); err != nil {
			os.RemoveAll(work)
			return nil, fmt.Errorf("build the peer: %w", err)
		}
	}
	dbURL, err := p.db.create(ctx, url.Values{"pool_max_conns": {strconv.Itoa(cfg.pool)}})
	if err != nil {
		os.RemoveAll(work)
		return nil, err
	}
	p.cmd = exec.Command(bin, "--http-addr", cfg.addr)
	p.cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "AUTH_HS256_SECRET="+string(cfg.secret))
	p.cmd.Stderr = os.Stderr
	if err := p.cmd.Start(); err != nil {
		p.db.drop()
		os.RemoveAll(work)
		return nil, err
	}
	if err := waitReady(ctx, p.base); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// create makes the database and returns its URL, with params added to
// the server's query.
func (d *scratchDB) create(ctx context.Context, params url.Values) (string, error) {
	conn, err := pgx.Connect(ctx, d.server)
	if err != nil {
		return "", fmt.Errorf("%s: %w", d.flag, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+d.name); err != nil {
		return "", fmt.Errorf("%s: %w", d.flag, err)
	}
	u, err := url.Parse(d.server)
	if err != nil {
		return "", err
	}
	u.Path = "/" + d.name
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func (d *scratchDB) drop() {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, d.server)
	if err != nil {
		fmt.Fprintf(os.Stderr, "loadgen: database %s left behind: %v\n", d.name, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+d.name+" WITH (FORCE)"); err != nil {
		fmt.Fprintf(os.Stderr, "loadgen: database %s left behind: %v\n", d.name, err)
	}
}

// stop stops the peer, drops its database and removes its files.
func (p *peer) stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	_ = p.cmd.Wait()
	p.db.drop()
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
