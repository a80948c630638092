package gitstore

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
)

// DefaultHTTPUsername is sent with a token when no user name is configured.
// GitHub, GitLab, Gitea and Bitbucket accept any non-empty name with a token.
const DefaultHTTPUsername = "git"

// AuthOptions hold the credentials for the remote. Secrets are given as file
// paths (re-read on every fetch and push, so rotated secrets are picked up) or
// as values taken from the environment by the caller; they are never logged.
type AuthOptions struct {
	// Username for HTTP basic authentication. Default "git" when a password
	// or token is set.
	Username string
	// Password is an HTTP password or access token.
	Password string
	// PasswordFile is a file holding an HTTP password or access token;
	// surrounding white space is ignored.
	PasswordFile string
	// PasswordEnv names an environment variable holding an HTTP password
	// or access token, e.g. FERRY_GIT_TOKEN.
	PasswordEnv string
	// CAFile is a PEM bundle of certificate authorities trusted for HTTPS
	// in addition to the system's.
	CAFile string
	// SSHKeyFile is a private key for ssh:// and scp-like URLs.
	SSHKeyFile string
	// SSHKeyPassphraseFile holds the passphrase of SSHKeyFile, if any.
	SSHKeyPassphraseFile string
	// KnownHostsFile lists the accepted host keys for SSH. Required for SSH:
	// host keys are always checked.
	KnownHostsFile string
}

func (a *AuthOptions) validate() error {
	n := 0
	for _, set := range []bool{a.Password != "", a.PasswordFile != "", a.PasswordEnv != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return errors.New("auth: set one of password, password file and password environment variable")
	}
	if a.SSHKeyPassphraseFile != "" && a.SSHKeyFile == "" {
		return errors.New("auth: an ssh key passphrase file needs an ssh key file")
	}
	return nil
}

// endpoint parses rawURL, moves credentials embedded in it into a copy of a,
// and returns the endpoint without them.
func endpoint(rawURL string, a AuthOptions) (*transport.Endpoint, AuthOptions, error) {
	if u, err := url.Parse(rawURL); err == nil && u.User != nil && (u.Scheme == "http" || u.Scheme == "https") {
		if pw, ok := u.User.Password(); ok && a.Password == "" && a.PasswordFile == "" && a.PasswordEnv == "" {
			a.Password = pw
		}
		if a.Username == "" {
			a.Username = u.User.Username()
		}
		u.User = nil
		rawURL = u.String()
	}
	ep, err := transport.NewEndpoint(rawURL)
	if err != nil {
		return nil, a, urlError(rawURL, err)
	}
	if a.CAFile != "" {
		pem, err := os.ReadFile(a.CAFile)
		if err != nil {
			return nil, a, fmt.Errorf("read ca file: %w", err)
		}
		ep.CaBundle = pem
	}
	return ep, a, nil
}

// method returns the transport credentials for ep and registers every secret
// it read with sc.
func (a AuthOptions) method(ep *transport.Endpoint, sc *scrubber) (transport.AuthMethod, error) {
	switch ep.Protocol {
	case "http", "https":
		return a.httpMethod(sc)
	case "ssh":
		return a.sshMethod(ep, sc)
	default:
		return nil, nil
	}
}

func (a AuthOptions) httpMethod(sc *scrubber) (transport.AuthMethod, error) {
	pw := a.Password
	if a.PasswordEnv != "" {
		pw = strings.TrimSpace(os.Getenv(a.PasswordEnv))
		if pw == "" {
			return nil, fmt.Errorf("password environment variable %s is empty or unset", a.PasswordEnv)
		}
	}
	if a.PasswordFile != "" {
		b, err := os.ReadFile(a.PasswordFile)
		if err != nil {
			return nil, fmt.Errorf("read password file: %w", err)
		}
		pw = strings.TrimSpace(string(b))
	}
	if pw == "" {
		return nil, nil
	}
	sc.add(pw)
	user := a.Username
	if user == "" {
		user = DefaultHTTPUsername
	}
	return &githttp.BasicAuth{Username: user, Password: pw}, nil
}

func (a AuthOptions) sshMethod(ep *transport.Endpoint, sc *scrubber) (transport.AuthMethod, error) {
	if a.SSHKeyFile == "" {
		return nil, errors.New("ssh: no key file configured")
	}
	if a.KnownHostsFile == "" {
		return nil, errors.New("ssh: no known_hosts file configured; host keys are always checked")
	}
	var passphrase string
	if a.SSHKeyPassphraseFile != "" {
		b, err := os.ReadFile(a.SSHKeyPassphraseFile)
		if err != nil {
			return nil, fmt.Errorf("read ssh passphrase file: %w", err)
		}
		passphrase = strings.TrimSpace(string(b))
		sc.add(passphrase)
	}
	user := ep.User
	if user == "" {
		user = "git"
	}
	keys, err := gitssh.NewPublicKeysFromFile(user, a.SSHKeyFile, passphrase)
	if err != nil {
		return nil, fmt.Errorf("load ssh key %q: %w", a.SSHKeyFile, err)
	}
	db, err := gitssh.NewKnownHostsDb(a.KnownHostsFile)
	if err != nil {
		return nil, fmt.Errorf("load known_hosts %q: %w", a.KnownHostsFile, err)
	}
	port := ep.Port
	if port == 0 {
		port = 22
	}
	keys.HostKeyCallback = db.HostKeyCallback()
	keys.HostKeyAlgorithms = db.HostKeyAlgorithms(net.JoinHostPort(ep.Host, fmt.Sprint(port)))
	return keys, nil
}
