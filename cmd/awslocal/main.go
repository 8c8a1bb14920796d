// Command awslocal serves an in-memory AWS Secrets Manager and STS on a loopback
// address, so the operator can sync secrets on a laptop or in CI without an AWS
// account. See package test/awslocal for what it implements.
//
// Point the operator at it with:
//
//	AWS_REGION=us-east-1
//	AWS_ENDPOINT_URL_SECRETS_MANAGER=http://127.0.0.1:4566
//	AWS_ENDPOINT_URL_STS=http://127.0.0.1:4566
//	AWS_EC2_METADATA_DISABLED=true
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"github.com/leadpoet/leadpoet-operator/test/awslocal"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:4566", "loopback `host:port` to serve on")
	seedPath := flag.String("seed", "", "YAML or JSON `file` of secrets and roles to create at start")
	region := flag.String("region", awslocal.DefaultRegion, "AWS `region` in the secret ARNs")
	account := flag.String("account-id", awslocal.DefaultAccountID, "12-digit AWS `account` id in the secret ARNs")
	flag.Parse()

	srv := awslocal.New(awslocal.Options{Addr: *listen, Region: *region, AccountID: *account})
	var seed *awslocal.Seed
	if *seedPath != "" {
		var err error
		seed, err = srv.LoadSeedFile(*seedPath)
		if err != nil {
			fmt.Fprintln(os.Stderr, "awslocal:", err)
			os.Exit(2)
		}
	}
	url, err := srv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "awslocal:", err)
		os.Exit(1)
	}
	printBanner(srv, url, seed)

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	<-signals
	srv.Close()
	fmt.Println("awslocal stopped")
}

// printBanner prints the endpoints, seeded secrets and roles, and the admin routes.
// It never prints a secret value.
func printBanner(srv *awslocal.Server, url string, seed *awslocal.Seed) {
	fmt.Printf("awslocal serving Secrets Manager and STS (AssumeRoleWithWebIdentity) at %s\n", url)
	fmt.Printf("  AWS_ENDPOINT_URL_SECRETS_MANAGER=%s AWS_ENDPOINT_URL_STS=%s\n", url, url)
	fmt.Printf("  root access key id for the AWS CLI: %s (any secret key; signatures are not verified)\n",
		awslocal.DefaultRootAccessKeyID)
	if seed != nil {
		names := map[string]bool{}
		for _, sec := range seed.Secrets {
			names[sec.Name] = true
		}
		sorted := make([]string, 0, len(names))
		for name := range names {
			sorted = append(sorted, name)
		}
		sort.Strings(sorted)
		fmt.Println("secrets:")
		for _, name := range sorted {
			fmt.Printf("  %s  %s  current version %s\n", name, srv.SecretARN(name), srv.CurrentVersionID(name))
		}
		fmt.Println("roles:")
		for _, r := range seed.Roles {
			fmt.Printf("  %s  for %s  may read %v\n", r.RoleARN, r.Subject, r.Secrets)
		}
	}
	fmt.Println("admin API:")
	for _, route := range awslocal.AdminRoutes {
		fmt.Println("  " + route)
	}
}
