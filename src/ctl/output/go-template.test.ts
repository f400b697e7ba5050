import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isCalicoError } from '../../lib/errors.js';
import { renderGoTemplate } from './go-template.js';

const data = [{
  kind: 'IPPoolList', apiVersion: 'projectcalico.org/v3', metadata: { resourceVersion: '5' },
  items: [
    { kind: 'IPPool', metadata: { name: 'p1', labels: { b: '2', a: '1' } }, spec: { cidr: '10.0.0.0/8', ipipMode: 'Always', natOutgoing: true, allowedUses: ['Workload', 'Tunnel'] } },
    { kind: 'IPPool', metadata: { name: 'p2' }, spec: { cidr: '10.1.0.0/16' } },
  ],
}];

describe('go-template subset', () => {
  const cases: [string, string][] = [
    ['{{range .}}{{range .Items}}{{.ObjectMeta.Name}},{{end}}{{end}}', 'p1,p2,'],
    ['{{range .}}{{range .Items}}{{.Spec.CIDR}} {{.Spec.IPIPMode}}\n{{end}}{{end}}', '10.0.0.0/8 Always\n10.1.0.0/16 \n'],
    ['{{range .}}{{range .Items}}{{.Metadata.Name}}={{if .Spec.NATOutgoing}}nat{{else}}no{{end}};{{end}}{{end}}', 'p1=nat;p2=no;'],
    ['{{range .}}{{range .Items}}{{join .Spec.AllowedUses ","}}|{{len .Spec.AllowedUses}};{{end}}{{end}}', 'Workload,Tunnel|2;|0;'],
    ['{{range .}}{{with index .Items 0}}{{.ObjectMeta.Labels}}{{end}}{{end}}', 'map[a:1 b:2]'],
    ['{{range .}}{{- range .Items -}} [{{ .Spec.CIDR | printf "%s!" }}] {{- end}}{{end}}', '[10.0.0.0/8!][10.1.0.0/16!]'],
    ['{{range .}}{{range .Items}}{{if eq .ObjectMeta.Name "p2"}}{{.Kind}}{{end}}{{end}}{{end}}', 'IPPool'],
    ['{{range .}}{{.Kind}}/{{len $}}{{end}}', 'IPPoolList/1'],
  ];
  for (const [tpl, want] of cases) {
    it(tpl, () => assert.equal(renderGoTemplate(tpl, data), want));
  }
  it('a literal "\\n" in the template is a newline', () => {
    assert.equal(renderGoTemplate('{{range .}}{{range .Items}}{{.ObjectMeta.Name}}{{"\\n"}}{{end}}{{end}}', data), 'p1\np2\n');
  });
  it('reports unclosed blocks and unknown functions', () => {
    assert.throws(() => renderGoTemplate('{{range .}}', data), (e) => isCalicoError(e, 'CALICO_ERR_USAGE') && /unexpected EOF/.test(e.message));
    assert.throws(() => renderGoTemplate('{{bogus .}}', data), (e) => isCalicoError(e) && /function "bogus" not defined/.test(e.message));
  });
});
