package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"time"
)

// poster is one load client's connection: it sends a request and returns
// the response's status and Location header (a create's new customer).
type poster interface {
	send(ctx context.Context, method, target, tok string, body []byte) (reply, error)
	close()
}

// reply is what a load client keeps of a response; the body is discarded.
type reply struct {
	status   int
	location string
}

// rawClient is one load client's keep-alive HTTP/1.1 connection to a plain
// http:// service. It writes each request and reads its response on the
// caller's goroutine: net/http's client runs two goroutines per connection
// and hands every request and response between three, which on a 2-core
// machine shared with the service took CPU the service could have used.
// It speaks only what the load needs: one request at a time, responses
// framed by Content-Length or chunked, and a new connection after an error
// or a "Connection: close".
type rawClient struct {
	addr    string // host:port
	host    string // the Host header
	path    string // the create path, for post
	timeout time.Duration

	conn net.Conn
	r    *bufio.Reader
	req  []byte
}

func newRawClient(base *url.URL, path string, timeout time.Duration) *rawClient {
	addr := base.Host
	if base.Port() == "" {
		addr = net.JoinHostPort(base.Hostname(), "80")
	}
	return &rawClient{addr: addr, host: base.Host, path: path, timeout: timeout}
}

// post sends a create to the client's path.
func (c *rawClient) post(ctx context.Context, tok string, body []byte) (int, error) {
	r, err := c.send(ctx, "POST", c.path, tok, body)
	return r.status, err
}

// send sends one request to target (a path with its query, already
// escaped); a body is sent as JSON.
func (c *rawClient) send(ctx context.Context, method, target, tok string, body []byte) (reply, error) {
	if c.conn == nil {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", c.addr)
		if err != nil {
			return reply{}, err
		}
		c.conn, c.r = conn, bufio.NewReaderSize(conn, 8<<10)
	}
	var deadline time.Time // zero: none
	if c.timeout > 0 {
		deadline = time.Now().Add(c.timeout)
	}
	if d, ok := ctx.Deadline(); ok && (deadline.IsZero() || d.Before(deadline)) {
		deadline = d
	}
	_ = c.conn.SetDeadline(deadline)
	conn := c.conn
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	c.req = appendRequest(c.req[:0], method, target, c.host, tok, body)
	if _, err := c.conn.Write(c.req); err != nil {
		c.close()
		return reply{}, err
	}
	var r reply
	keep, err := readResponseInto(c.r, &r)
	if err != nil || !keep {
		c.close()
	}
	return r, err
}

// appendRequest appends an HTTP/1.1 request to b.
func appendRequest(b []byte, method, target, host, tok string, body []byte) []byte {
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, target...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, host...)
	b = append(b, "\r\nAuthorization: Bearer "...)
	b = append(b, tok...)
	if body != nil {
		b = append(b, "\r\nContent-Type: application/json\r\nContent-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
	}
	b = append(b, "\r\n\r\n"...)
	return append(b, body...)
}

func (c *rawClient) close() {
	if c.conn != nil {
		_ = c.conn.Close()
		c.conn, c.r = nil, nil
	}
}

var errMalformed = errors.New("malformed HTTP response")

// readResponse reads one final response, skipping interim 1xx ones, and
// discards its body. keep reports whether the connection may carry
// another request.
func readResponse(r *bufio.Reader) (status int, keep bool, err error) {
	var rep reply
	keep, err = readResponseInto(r, &rep)
	return rep.status, keep, err
}

// readResponseInto is readResponse keeping the Location header too.
func readResponseInto(r *bufio.Reader, rep *reply) (keep bool, err error) {
	for {
		*rep = reply{}
		rep.status, keep, err = readOneResponse(r, &rep.location)
		if err != nil || rep.status/100 != 1 || rep.status == 101 {
			return keep, err
		}
	}
}

func readOneResponse(r *bufio.Reader, location *string) (status int, keep bool, err error) {
	line, err := readLine(r)
	if err != nil {
		return 0, false, err
	}
	// "HTTP/1.1 201 Created", the reason phrase optional
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' ||
		(len(line) > 12 && line[12] != ' ') || !digits(line[9:12]) || line[9] == '0' {
		return 0, false, fmt.Errorf("%w: status line %q", errMalformed, line)
	}
	status = int(line[9]-'0')*100 + int(line[10]-'0')*10 + int(line[11]-'0')
	keep = line[7] == '1'
	length, chunked := int64(-1), false
	for {
		line, err := readLine(r)
		if err != nil {
			return 0, false, err
		}
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, false, fmt.Errorf("%w: header %q", errMalformed, line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if !digits(value) {
				return 0, false, fmt.Errorf("%w: Content-Length %q", errMalformed, value)
			}
			if length, err = strconv.ParseInt(string(value), 10, 64); err != nil {
				return 0, false, fmt.Errorf("%w: Content-Length %q", errMalformed, value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			codings := tokens(value)
			chunked = len(codings) > 0 && bytes.EqualFold(codings[len(codings)-1], []byte("chunked"))
		case bytes.EqualFold(name, []byte("Location")):
			*location = string(value)
		case bytes.EqualFold(name, []byte("Connection")):
			for _, t := range tokens(value) {
				if bytes.EqualFold(t, []byte("close")) {
					keep = false
				}
			}
		}
	}
	switch {
	case status/100 == 1 || status == 204 || status == 304:
		// No body, whatever the headers say.
	case chunked:
		err = discardChunked(r)
	case length >= 0:
		_, err = r.Discard(int(length))
	default:
		// No framing: the body runs to the end of the connection.
		_, err = io.Copy(io.Discard, r)
		keep = false
	}
	return status, keep && err == nil, err
}

func digits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// tokens splits a comma-separated header value, trimming each element.
func tokens(value []byte) [][]byte {
	var out [][]byte
	for _, t := range bytes.Split(value, []byte(",")) {
		if t = bytes.TrimSpace(t); len(t) > 0 {
			out = append(out, t)
		}
	}
	return out
}

func discardChunked(r *bufio.Reader) error {
	for {
		line, err := readLine(r)
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(line, []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("%w: chunk size %q", errMalformed, line)
		}
		if n == 0 {
			for { // trailers, up to the blank line
				line, err := readLine(r)
				if err != nil || len(line) == 0 {
					return err
				}
			}
		}
		if _, err := r.Discard(int(n)); err != nil {
			return err
		}
		line, err = readLine(r)
		if err != nil {
			return err
		}
		if len(line) != 0 {
			return fmt.Errorf("%w: no CRLF after a chunk", errMalformed)
		}
	}
}

// readLine reads a line without its CRLF. The slice is valid until the
// next read.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("%w: line longer than %d bytes", errMalformed, r.Size())
		}
		return nil, err
	}
	return bytes.TrimRight(line, "\r\n"), nil
}
