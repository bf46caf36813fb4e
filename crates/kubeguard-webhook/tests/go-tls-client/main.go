// A TLS client built with the Go toolchain of an API server release,
// handshaking with the webhook the way the API server does.
//
// Usage: go-tls-client ADDR SERVER_NAME
//
// SERVER_NAME is sent as SNI as given (the API server sends the service's
// DNS name, e.g. kubeguard.kubeguard.svc); "-" leaves it out, as Go does
// when a webhook URL names an IP address. The client offers ALPN h2 and
// http/1.1, as the API server's webhook client does. It prints the
// negotiated version, cipher suite and protocol, or the error, and exits 1
// on error.
package main

import (
	"crypto/tls"
	"fmt"
	"os"
	"runtime"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go-tls-client ADDR SERVER_NAME|-")
		os.Exit(2)
	}
	config := &tls.Config{
		InsecureSkipVerify: true, // the test checks the handshake, not the chain
		NextProtos:         []string{"h2", "http/1.1"},
	}
	if os.Args[2] != "-" {
		config.ServerName = os.Args[2]
	}
	conn, err := tls.Dial("tcp", os.Args[1], config)
	if err != nil {
		fmt.Printf("%s: error: %v\n", runtime.Version(), err)
		os.Exit(1)
	}
	defer conn.Close()
	state := conn.ConnectionState()
	fmt.Printf("%s: ok version=%x cipher=%s alpn=%s\n", runtime.Version(),
		state.Version, tls.CipherSuiteName(state.CipherSuite), state.NegotiatedProtocol)
}
