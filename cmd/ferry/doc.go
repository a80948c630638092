// Command ferry is the delivery control plane that lives in a Git
// repository.
//
// # Commands
//
//	ferry validate [DIR | FILE... | --repo URL --ref REF] [-o json|yaml]
//	ferry render SERVICE --stage STAGE [--dir DIR | --repo URL --ref REF] [-o yaml|json]
//	ferry rules SERVICE --stage STAGE [--dir DIR | --repo URL --ref REF] [-o yaml|json]
//	ferry evaluate ...
//	ferry run --repo URL --state-dir DIR
//	ferry status [--repo URL] [-o wide|json|yaml] [--watch [--interval 5s]]
//	ferry history SERVICE [--repo URL] [--stage STAGE] [--commit PREFIX] [-o json|yaml]
//	ferry problems [--repo URL] [-o wide|json|yaml]
//	ferry get run STAGE SERVICE [--repo URL] [-o json|yaml]
//	ferry get problem ID [--repo URL] [-o json|yaml]
//	ferry problem open --service S --stage T --type PROBLEM [--repo URL]
//	ferry proposals [--repo URL] [-o json|yaml]
//	ferry approve STAGE SERVICE [--repo URL] [--forge KIND --forge-api URL --forge-repo O/R --forge-token-file F]
//	ferry reject STAGE SERVICE [--reason TEXT] [--repo URL] [forge flags]
//	ferry pin SERVICE KEY=VALUE... [--repo URL] [-m MESSAGE] [--sequence S] [--wait STAGE [--timeout D]] [-o json]
//	ferry demo
//
// The commands that read from a repository alone (status, history,
// problems, get, problem open, proposals, approve, reject, trigger, pin) default --repo to $FERRY_REPO, else to the
// origin remote of the clone in the current directory. Read commands keep
// their mirror in the user's cache directory, ferry/mirrors/.
//
// # Exit codes
//
//	0  success (validate: no errors; warnings allowed)
//	1  the input is invalid, or the command failed
//	2  usage error: unknown command or flag, wrong arguments
package main
