package tunnel

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"golang.ngrok.com/muxado/v2"
	"golang.ngrok.com/ngrok/v2"
)

// fakeNgrok speaks the agent side of ngrok's tunnel protocol well enough
// for ngrok-go: TLS, muxado with heartbeats, the Auth and Bind RPCs as JSON
// on typed streams, and proxied connections (a length-prefixed JSON header,
// then the raw HTTP bytes). It lets the live paths run without internet.
type fakeNgrok struct {
	t    *testing.T
	ln   net.Listener
	pool *x509.CertPool

	mu        sync.Mutex
	authError string // when set, Auth answers with it and the session closes
	bindError string // when set, Bind answers with it
	refuse    bool   // close new connections at once
	tokens    []string
	sessions  []*fakeSession
	endpoints int
}

type fakeSession struct {
	mux    muxado.TypedStreamSession
	mu     sync.Mutex
	bindID string
}

// Wire messages, as ngrok-go encodes them.
type (
	fakeAuth struct {
		Version []string
		Extra   struct{ Authtoken string }
	}
	fakeAuthResp struct {
		Version  string
		ClientID string `json:"ClientId"`
		Error    string
		Extra    struct{ AgentSessionID, Region string }
	}
	fakeBind struct {
		ClientID string `json:"Id"`
		Proto    string
		Opts     struct{ URL, Hostname string }
	}
	fakeBindResp struct {
		ClientID string `json:"Id"`
		URL      string
		Proto    string
		Opts     struct{ URL string }
		Error    string
		Extra    struct{ Token, TunnelID string }
	}
	fakeProxyHeader struct {
		ID         string `json:"Id"`
		ClientAddr string
		Proto      string
	}
)

// Stream types of the protocol.
const (
	fakeAuthReq   muxado.StreamType = 0
	fakeBindReq   muxado.StreamType = 1
	fakeUnbindReq muxado.StreamType = 2
	fakeProxyReq  muxado.StreamType = 3
	fakeSrvInfo   muxado.StreamType = 8
)

func newFakeNgrok(t *testing.T) *fakeNgrok {
	t.Helper()
	cert, pool := selfSignedCert(t)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeNgrok{t: t, ln: ln, pool: pool}
	go f.acceptLoop()
	t.Cleanup(func() {
		_ = ln.Close()
		f.dropSessions()
	})
	return f
}

// agentOptions point an agent at f.
func (f *fakeNgrok) agentOptions() []ngrok.AgentOption {
	return []ngrok.AgentOption{
		ngrok.WithAgentConnectURL(f.ln.Addr().String()),
		ngrok.WithAgentConnectCAs(f.pool),
	}
}

// connectTo points an agent at addr instead of ngrok's service.
func connectTo(addr string) []ngrok.AgentOption {
	return []ngrok.AgentOption{ngrok.WithAgentConnectURL(addr)}
}

func (f *fakeNgrok) set(fn func(f *fakeNgrok)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeNgrok) seenTokens() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.tokens...)
}

// dropSessions cuts every agent connection, as a network loss would.
func (f *fakeNgrok) dropSessions() {
	f.mu.Lock()
	sessions := f.sessions
	f.sessions = nil
	f.mu.Unlock()
	for _, s := range sessions {
		_ = s.mux.Close()
	}
}

func (f *fakeNgrok) acceptLoop() {
	for {
		conn, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		refuse := f.refuse
		f.mu.Unlock()
		if refuse {
			_ = conn.Close()
			continue
		}
		mux := muxado.NewTypedStreamSession(muxado.Server(conn, &muxado.Config{}))
		// Not started: it only answers the agent's heartbeats.
		hb := muxado.NewHeartbeat(mux, func(time.Duration, bool) {}, nil)
		s := &fakeSession{mux: mux}
		f.mu.Lock()
		f.sessions = append(f.sessions, s)
		f.mu.Unlock()
		go f.serveSession(hb, s)
	}
}

func (f *fakeNgrok) serveSession(hb *muxado.Heartbeat, s *fakeSession) {
	for {
		st, err := hb.AcceptTypedStream()
		if err != nil {
			return
		}
		go f.serveStream(st, s)
	}
}

func (f *fakeNgrok) serveStream(st muxado.TypedStream, s *fakeSession) {
	defer st.Close()
	dec, enc := json.NewDecoder(st), json.NewEncoder(st)
	switch st.StreamType() {
	case fakeAuthReq:
		var req fakeAuth
		if dec.Decode(&req) != nil {
			return
		}
		f.mu.Lock()
		f.tokens = append(f.tokens, req.Extra.Authtoken)
		resp := fakeAuthResp{Version: "3", ClientID: "client-1", Error: f.authError}
		f.mu.Unlock()
		resp.Extra.AgentSessionID, resp.Extra.Region = "as_1", "local"
		_ = enc.Encode(resp)
		if resp.Error != "" {
			// Kept: ngrok closes the session after its error; the pause
			// lets the agent read the answer first (nothing of the
			// agent's marks "read").
			time.Sleep(50 * time.Millisecond)
			_ = s.mux.Close()
		}
	case fakeBindReq:
		var req fakeBind
		if dec.Decode(&req) != nil {
			return
		}
		f.mu.Lock()
		f.endpoints++
		resp := fakeBindResp{ClientID: req.ClientID, Proto: "https", Error: f.bindError, URL: req.Opts.URL}
		if resp.URL == "" {
			resp.URL = fmt.Sprintf("https://ep-%d.fake-ngrok.test", f.endpoints)
		}
		if resp.ClientID == "" {
			resp.ClientID = fmt.Sprintf("bind-%d", f.endpoints)
		}
		f.mu.Unlock()
		resp.Opts.URL = resp.URL
		resp.Extra.Token, resp.Extra.TunnelID = "bind-token", "tn_1"
		if resp.Error == "" {
			s.mu.Lock()
			s.bindID = resp.ClientID
			s.mu.Unlock()
		}
		_ = enc.Encode(resp)
	case fakeUnbindReq:
		var req json.RawMessage
		if dec.Decode(&req) == nil {
			_ = enc.Encode(struct{ Error string }{})
		}
	case fakeSrvInfo:
		var req json.RawMessage
		if dec.Decode(&req) == nil {
			_ = enc.Encode(struct{ Region string }{"local"})
		}
	}
}

// do sends req through the endpoint of the newest session, as ngrok's edge
// would, and returns the response.
func (f *fakeNgrok) do(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	var s *fakeSession
	if n := len(f.sessions); n > 0 {
		s = f.sessions[n-1]
	}
	f.mu.Unlock()
	if s == nil {
		return nil, errors.New("no agent session")
	}
	s.mu.Lock()
	bindID := s.bindID
	s.mu.Unlock()
	st, err := s.mux.OpenTypedStream(fakeProxyReq)
	if err != nil {
		return nil, err
	}
	hdr, err := json.Marshal(fakeProxyHeader{ID: bindID, ClientAddr: "203.0.113.7:4242", Proto: "https"})
	if err != nil {
		return nil, err
	}
	if err := binary.Write(st, binary.LittleEndian, int64(len(hdr))); err != nil {
		return nil, err
	}
	if _, err := st.Write(hdr); err != nil {
		return nil, err
	}
	if err := req.Write(st); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(st), req)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	return resp, nil
}

func fakeRequest(t *testing.T, method, rawURL string) *http.Request {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Request{Method: method, URL: u, Host: u.Host, Header: http.Header{}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
}

// selfSignedCert makes a certificate for 127.0.0.1, the name the agent
// checks when connecting to "127.0.0.1:port".
func selfSignedCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "fake ngrok"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
