// Package ingress mirrors the JSON shapes of the AWS Load Balancer Controller's annotation
// structs (field order, tags, pointer-ness, type names) so that Go's error texts name the
// same types. Tags drop omitempty so the oracle output shows every field.
package ingress

import "encoding/json"

type IntOrString struct {
	IsStr bool
	Int   int32
	Str   string
}

func (x *IntOrString) UnmarshalJSON(b []byte) error {
	if b[0] == '"' {
		x.IsStr = true
		return json.Unmarshal(b, &x.Str)
	}
	x.IsStr = false
	return json.Unmarshal(b, &x.Int)
}

func (x IntOrString) MarshalJSON() ([]byte, error) {
	if x.IsStr {
		return json.Marshal(x.Str)
	}
	return json.Marshal(x.Int)
}

type FixedResponseActionConfig struct {
	ContentType *string `json:"contentType"`
	MessageBody *string `json:"messageBody"`
	StatusCode  string  `json:"statusCode"`
}
type RedirectActionConfig struct {
	Host       *string `json:"host"`
	Path       *string `json:"path"`
	Port       *string `json:"port"`
	Protocol   *string `json:"protocol"`
	Query      *string `json:"query"`
	StatusCode string  `json:"statusCode"`
}
type TargetGroupTuple struct {
	TargetGroupARN  *string      `json:"targetGroupARN"`
	TargetGroupName *string      `json:"targetGroupName"`
	ServiceName     *string      `json:"serviceName"`
	ServicePort     *IntOrString `json:"servicePort"`
	Weight          *int32       `json:"weight"`
}
type TargetGroupStickinessConfig struct {
	Enabled         *bool  `json:"enabled"`
	DurationSeconds *int32 `json:"durationSeconds"`
}
type ForwardActionConfig struct {
	TargetGroups                []TargetGroupTuple           `json:"targetGroups"`
	TargetGroupStickinessConfig *TargetGroupStickinessConfig `json:"targetGroupStickinessConfig"`
}
type ActionType string
type Action struct {
	Type                ActionType                 `json:"type"`
	TargetGroupARN      *string                    `json:"targetGroupARN"`
	TargetGroupName     *string                    `json:"targetGroupName"`
	FixedResponseConfig *FixedResponseActionConfig `json:"fixedResponseConfig"`
	RedirectConfig      *RedirectActionConfig      `json:"redirectConfig"`
	ForwardConfig       *ForwardActionConfig       `json:"forwardConfig"`
}
type RuleConditionField string
type HostHeaderConditionConfig struct {
	RegexValues []string `json:"regexValues"`
	Values      []string `json:"values"`
}
type HTTPHeaderConditionConfig struct {
	HTTPHeaderName string   `json:"httpHeaderName"`
	RegexValues    []string `json:"regexValues"`
	Values         []string `json:"values"`
}
type HTTPRequestMethodConditionConfig struct {
	Values []string `json:"values"`
}
type PathPatternConditionConfig struct {
	RegexValues []string `json:"regexValues"`
	Values      []string `json:"values"`
}
type QueryStringKeyValuePair struct {
	Key   *string `json:"key"`
	Value string  `json:"value"`
}
type QueryStringConditionConfig struct {
	Values []QueryStringKeyValuePair `json:"values"`
}
type SourceIPConditionConfig struct {
	Values []string `json:"values"`
}
type RuleCondition struct {
	Field                   RuleConditionField                `json:"field"`
	HostHeaderConfig        *HostHeaderConditionConfig        `json:"hostHeaderConfig"`
	HTTPHeaderConfig        *HTTPHeaderConditionConfig        `json:"httpHeaderConfig"`
	HTTPRequestMethodConfig *HTTPRequestMethodConditionConfig `json:"httpRequestMethodConfig"`
	PathPatternConfig       *PathPatternConditionConfig       `json:"pathPatternConfig"`
	QueryStringConfig       *QueryStringConditionConfig       `json:"queryStringConfig"`
	SourceIPConfig          *SourceIPConditionConfig          `json:"sourceIPConfig"`
}
