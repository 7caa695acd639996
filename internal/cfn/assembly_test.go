package cfn_test

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/internal/cfn"
)

func TestReadAssemblyFollowsTheManifestIntoNestedAssemblies(t *testing.T) {
	// GIVEN a cloud assembly whose manifest lists a stack, a tree, an asset
	// manifest and a nested assembly (a CDK stage) with two stacks
	stacks, err := cfn.ReadAssembly("testdata/assembly")
	if err != nil {
		t.Fatal(err)
	}
	// THEN the stacks come back in artifact id order, each with its
	// template, the nested ones where the nested artifact sorts
	type got struct{ stack, file, firstName string }
	var gots []got
	for _, s := range stacks {
		var name string
		for _, r := range s.Template.Resources {
			name = r.Name()
		}
		gots = append(gots, got{s.Stack, s.File, name})
	}
	want := []got{
		{"PaymentPlatform", filepath.Join("testdata/assembly", "PaymentPlatform.template.json"), "validate-dev"},
		{"ProdAlarms", filepath.Join("testdata/assembly/assembly-Prod", "ProdAlarms.template.json"), "alarms-prod"},
		{"ProdPaymentPlatformB2C3", filepath.Join("testdata/assembly/assembly-Prod", "ProdPaymentPlatformB2C3.template.json"), "validate-prod"},
	}
	if !reflect.DeepEqual(gots, want) {
		t.Errorf("stacks = %v\nwant     %v", gots, want)
	}
}

func TestReadAssemblyWithoutAManifestReadsEveryTemplate(t *testing.T) {
	stacks, err := cfn.ReadAssembly("testdata/no-manifest")
	if err != nil {
		t.Fatal(err)
	}
	if len(stacks) != 2 || stacks[0].Stack != "Alpha" || stacks[1].Stack != "Beta" || stacks[1].Template.Resources["Q"].Name() != "beta" {
		t.Errorf("stacks = %+v", stacks)
	}
}

func TestReadAssemblyErrors(t *testing.T) {
	for _, tt := range []struct{ name, dir, want string }{
		{"a missing directory", "testdata/nope", "neither manifest.json nor *.template.json"},
		{"a directory without templates", t.TempDir(), "neither manifest.json nor *.template.json"},
		{"a manifest naming a missing template", "testdata/missing-template", "Gone.template.json"},
		{"a manifest nesting itself", "testdata/cycle", "nested more than 8 deep"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cfn.ReadAssembly(tt.dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}
