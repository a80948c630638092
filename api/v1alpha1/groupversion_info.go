package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the group and version of ferry's Kubernetes API.
	GroupVersion = schema.GroupVersion{Group: "delivery.ferrycd.io", Version: "v1alpha1"}

	// SchemeBuilder registers the types of this package with a scheme.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the types of this package to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// addKnownTypes registers Project and ProjectList, and the options types
// of metav1 (list, get, delete…) for the group version. The package
// depends on k8s.io/apimachinery and fluxcd/pkg/apis/meta only, so that it
// is cheap to import.
func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, &Project{}, &ProjectList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
