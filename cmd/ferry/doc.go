// Command ferry is the delivery control plane that lives in a Git
// repository.
//
// # Commands
//
//	ferry validate [DIR | FILE... | --repo URL --ref REF] [-o json]
//	ferry render SERVICE --stage STAGE [--dir DIR | --repo URL --ref REF]
//
// # Exit codes
//
//	0  success (validate: no errors; warnings allowed)
//	1  the input is invalid, or the command failed
//	2  usage error: unknown command or flag, wrong arguments
package main
