// Package deployments holds the production topology; its test checks the manifests parse and agree.
package deployments
