package gittest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SSHServer serves bare repositories over SSH on loopback: it accepts one
// client key and runs the real git-upload-pack and git-receive-pack for
// each "exec" request, as a Git host's SSH front end does.
type SSHServer struct {
	// Addr is host:port of the listener.
	Addr string
	// KeyFile is the client's private key (PEM, OpenSSH format).
	KeyFile string
	// KnownHosts is a known_hosts file listing the server's host key.
	KnownHosts string
}

// NewSSHServer serves the repositories below root.
func NewSSHServer(tb testing.TB, root string) *SSHServer {
	tb.Helper()
	dir := tb.TempDir()
	_, hostPriv, _ := ed25519.GenerateKey(rand.Reader)
	hostSigner, err := ssh.NewSignerFromKey(hostPriv)
	if err != nil {
		tb.Fatal(err)
	}
	clientPub, clientPriv, _ := ed25519.GenerateKey(rand.Reader)
	clientSSHPub, err := ssh.NewPublicKey(clientPub)
	if err != nil {
		tb.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(clientPriv, "")
	if err != nil {
		tb.Fatal(err)
	}
	s := &SSHServer{KeyFile: filepath.Join(dir, "id_ed25519"), KnownHosts: filepath.Join(dir, "known_hosts")}
	if err := os.WriteFile(s.KeyFile, pem.EncodeToMemory(block), 0o600); err != nil {
		tb.Fatal(err)
	}
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if string(key.Marshal()) == string(clientSSHPub.Marshal()) {
				return nil, nil
			}
			return nil, errors.New("unknown key")
		},
	}
	cfg.AddHostKey(hostSigner)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	line := knownhosts.Line([]string{knownhosts.Normalize(s.Addr)}, hostSigner.PublicKey())
	if err := os.WriteFile(s.KnownHosts, []byte(line+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	var wg sync.WaitGroup
	tb.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); serveSSH(conn, cfg, root) }()
		}
	}()
	return s
}

// URL returns the ssh:// URL of the repository named name below root.
func (s *SSHServer) URL(name string) string { return "ssh://git@" + s.Addr + "/" + name }

func serveSSH(conn net.Conn, cfg *ssh.ServerConfig, root string) {
	defer func() { _ = conn.Close() }()
	_, chans, reqs, err := ssh.NewServerConn(conn, cfg)
	if err != nil {
		return
	}
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, requests, err := nc.Accept()
		if err != nil {
			return
		}
		go serveSession(ch, requests, root)
	}
}

func serveSession(ch ssh.Channel, requests <-chan *ssh.Request, root string) {
	defer func() { _ = ch.Close() }()
	for req := range requests {
		if req.Type != "exec" || len(req.Payload) < 4 {
			_ = req.Reply(false, nil)
			continue
		}
		n := binary.BigEndian.Uint32(req.Payload)
		command := string(req.Payload[4 : 4+n])
		prog, arg, _ := strings.Cut(command, " ")
		if prog != "git-upload-pack" && prog != "git-receive-pack" {
			_ = req.Reply(false, nil)
			return
		}
		repo := filepath.Join(root, filepath.Clean("/"+strings.Trim(arg, "'\"")))
		_ = req.Reply(true, nil)
		cmd := exec.Command("git", strings.TrimPrefix(prog, "git-"), repo)
		cmd.Env = Env()
		cmd.Stdin, cmd.Stdout, cmd.Stderr = ch, ch, ch.Stderr()
		status := uint32(0)
		if err := cmd.Run(); err != nil {
			status = 1
		}
		_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{status}))
		_ = ch.CloseWrite()
		_, _ = io.Copy(io.Discard, ch)
		return
	}
}
