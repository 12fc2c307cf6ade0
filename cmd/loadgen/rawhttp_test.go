package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestReadResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		raw        string
		wantStatus int
		wantKeep   bool
		wantErr    error
	}{
		{"ContentLength", "HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhello", 201, true, nil},
		{"Chunked", "HTTP/1.1 422 Unprocessable Entity\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n3\r\nabc\r\n0\r\nTrailer: t\r\n\r\n", 422, true, nil},
		{"ConnectionClose", "HTTP/1.1 400 Bad Request\r\nconnection: Close\r\ncontent-length: 2\r\n\r\n{}", 400, false, nil},
		{"HTTP10", "HTTP/1.0 201 Created\r\nContent-Length: 0\r\n\r\n", 201, false, nil},
		{"NoBodyStatus", "HTTP/1.1 204 No Content\r\n\r\n", 204, true, nil},
		{"UnframedBody", "HTTP/1.1 200 OK\r\n\r\nuntil the end", 200, false, nil},
		{"Interim", "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}", 201, true, nil},
		{"NotModifiedWithLength", "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n", 304, true, nil},
		{"NoReason", "HTTP/1.1 201\r\nContent-Length: 0\r\n\r\n", 201, true, nil},
		{"CloseAmongTokens", "HTTP/1.1 201 Created\r\nConnection: keep-alive, Close\r\nContent-Length: 0\r\n\r\n", 201, false, nil},
		{"ChunkedLast", "HTTP/1.1 201 Created\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n", 201, true, nil},
		{"BadStatusLine", "HTTP/1.1 2x1 Created\r\n\r\n", 0, false, errMalformed},
		{"LongStatus", "HTTP/1.1 2010 Created\r\n\r\n", 0, false, errMalformed},
		{"SignedStatus", "HTTP/1.1 +20 Created\r\n\r\n", 0, false, errMalformed},
		{"SignedLength", "HTTP/1.1 201 Created\r\nContent-Length: +1\r\n\r\nx", 0, false, errMalformed},
		{"NotHTTP", "SSH-2.0-OpenSSH\r\n\r\n", 0, false, errMalformed},
		{"BadHeader", "HTTP/1.1 201 Created\r\nno colon\r\n\r\n", 0, false, errMalformed},
		{"NegativeLength", "HTTP/1.1 201 Created\r\nContent-Length: -1\r\n\r\n", 0, false, errMalformed},
		{"BadChunk", "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0, false, errMalformed},
		{"ShortBody", "HTTP/1.1 201 Created\r\nContent-Length: 10\r\n\r\nshort", 201, false, io.EOF},
		{"Truncated", "HTTP/1.1 201 Cre", 0, false, io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := bufio.NewReader(strings.NewReader(tt.raw))
			status, keep, err := readResponse(r)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if status != tt.wantStatus || keep != tt.wantKeep {
				t.Fatalf("status %d keep %v, want %d %v", status, keep, tt.wantStatus, tt.wantKeep)
			}
			if rest, _ := io.ReadAll(r); tt.wantKeep && len(rest) != 0 {
				t.Fatalf("left %q unread on a kept connection", rest)
			}
		})
	}
}

// TestRawClientKeepsOneConnection posts several creates through one
// connection, as the service would see them; each 201 carries a body
// large enough for net/http to send it chunked.
func TestRawClientKeepsOneConnection(t *testing.T) {
	t.Parallel()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch {
		case r.Method != "POST" || r.URL.Path != "/api/customers" || r.Header.Get("Authorization") != "Bearer tok" ||
			r.Header.Get("Content-Type") != "application/json" || string(body) != `{"name":"x"}`:
			w.WriteHeader(http.StatusBadRequest)
		default:
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(strings.Repeat("x", 64<<10))) // chunked: larger than net/http's buffer
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	u, _ := url.Parse(srv.URL + "/api")
	c := newRawClient(u, "/api/customers", 5*time.Second)
	defer c.close()
	for i := range 5 {
		status, err := c.post(t.Context(), "tok", []byte(`{"name":"x"}`))
		if err != nil || status != http.StatusCreated {
			t.Fatalf("post %d: status %d, error %v", i, status, err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections for 5 posts, want 1", n)
	}
	status, err := c.post(t.Context(), "other", []byte(`{"name":"x"}`))
	if err != nil || status != http.StatusBadRequest {
		t.Fatalf("post with a wrong token: status %d, error %v", status, err)
	}
}

// TestRawClientReconnects: after the server drops the connection, the
// post fails and the next one dials again.
func TestRawClientReconnects(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 2 {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	c := newRawClient(u, "/customers", 5*time.Second)
	defer c.close()
	var got []string
	for range 3 {
		status, err := c.post(t.Context(), "tok", []byte(`{}`))
		if err != nil {
			got = append(got, "error")
			continue
		}
		got = append(got, http.StatusText(status))
	}
	if strings.Join(got, ",") != "Created,error,Created" {
		t.Fatalf("posts gave %v", got)
	}
}

// TestRawClientStopsOnCancel: a post waiting for a response that does not
// come returns once its context is cancelled.
func TestRawClientStopsOnCancel(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	defer close(release)
	u, _ := url.Parse(srv.URL)
	c := newRawClient(u, "/customers", 0) // no timeout of its own
	defer c.close()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := c.post(ctx, "tok", []byte(`{}`))
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a cancelled post reported success")
		}
	case <-time.After(time.Minute):
		t.Fatal("the post ignored its cancelled context")
	}
}

// FuzzReadResponse: no input panics or reads past what it was given, and
// an accepted response has a three-digit final status.
func FuzzReadResponse(f *testing.F) {
	for _, seed := range []string{
		"HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 204 No Content\r\nConnection: close\r\n\r\n",
		"HTTP/1.1 500\r\n\r\nbody",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		status, _, err := readResponse(bufio.NewReaderSize(bytes.NewReader(raw), 16))
		if err == nil && (status < 100 || status > 999 || status/100 == 1 && status != 101) {
			t.Fatalf("accepted status %d from %q", status, raw)
		}
	})
}
