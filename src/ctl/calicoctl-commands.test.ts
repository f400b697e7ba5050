import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { parse } from 'yaml';
import { MemoryDatastore } from '../datastore/memory/memory-datastore.js';
import { runCtl, TempDir } from './ctl-test-support.js';

const tmp = new TempDir();
after(() => tmp.remove());

let ds: MemoryDatastore;
beforeEach(() => {
  ds = new MemoryDatastore();
});
const ctl = (args: readonly string[], stdin?: string) => runCtl(args, { ds, ...(stdin !== undefined ? { stdin } : {}) });
const sh = (line: string, stdin?: string) => ctl(line.split(' ').filter(Boolean), stdin);

function np(name: string, ns?: string, extra = ''): string {
  return `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: ${name}
${ns ? `  namespace: ${ns}\n` : ''}spec:
  selector: app == 'web'
${extra}`;
}

const gns = (name: string) => `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\nmetadata:\n  name: ${name}\nspec:\n  nets: [10.0.0.0/8]\n`;

describe('calicoctl create / delete / skip flags and exit codes', () => {
  it('create fails on an existing resource unless --skip-exists', async () => {
    const f = tmp.write('gns.yaml', gns('s1'));
    assert.deepEqual(await sh(`create -f ${f}`), { code: 0, out: "Successfully created 1 'GlobalNetworkSet' resource(s)\n", err: '' });
    const again = await sh(`create -f ${f}`);
    assert.equal(again.code, 1);
    assert.equal(again.err, "failed to create 'GlobalNetworkSet' resource: [resource already exists: GlobalNetworkSet(s1)]\n");
    assert.equal((await sh(`create -f ${f} --skip-exists`)).code, 0);
  });

  it('delete by name reports a missing one and exits 1; -s skips it', async () => {
    await sh(`create -f ${tmp.write('two.yaml', `${gns('a')}---\n${gns('b')}`)}`);
    const r = await sh('delete globalnetworkset a nope b');
    assert.equal(r.code, 1);
    assert.equal(r.err, "Failed to delete 'GlobalNetworkSet' resource: resource does not exist: GlobalNetworkSet(nope) with error: <nil>\n");
    assert.equal((await sh('get globalnetworksets -o yaml')).out.includes('name: a'), false);
    assert.deepEqual(await sh('delete globalnetworkset nope -s'), { code: 0, out: "Successfully deleted 1 'GlobalNetworkSet' resource(s)\n", err: '' });
  });

  it('delete -f removes exactly the resources named in the file', async () => {
    const f = tmp.write('del.yaml', `${gns('x')}---\n${np('p1', 'ns1')}`);
    assert.equal((await sh(`apply -f ${f}`)).code, 0);
    await sh(`create -f ${tmp.write('keep.yaml', gns('keep'))}`);
    assert.deepEqual(await sh(`delete -f ${f}`), { code: 0, out: 'Successfully deleted 2 resource(s)\n', err: '' });
    assert.equal((await sh('get globalnetworkset keep')).code, 0);
    assert.equal((await sh('get globalnetworkset x')).code, 1);
  });

  it('get of a missing name prints the others, then the error, and exits 1', async () => {
    await sh(`create -f ${tmp.write('g1.yaml', gns('g1'))}`);
    const r = await sh('get globalnetworkset g1 blah');
    assert.equal(r.code, 1);
    assert.equal(r.out, 'NAME   \ng1     \n\n');
    assert.equal(r.err, 'resource does not exist: GlobalNetworkSet(blah) with error: <nil>\n');
  });

  it('prints through a Go template over the results', async () => {
    await sh(`create -f ${tmp.write('gt.yaml', `${gns('t1')}---\n${gns('t2')}`)}`);
    const r = await ctl(['get', 'globalnetworksets', '-o', 'go-template={{range .}}{{range .Items}}{{.ObjectMeta.Name}}:{{join .Spec.Nets ","}};{{end}}{{end}}']);
    assert.deepEqual(r, { code: 0, out: 't1:10.0.0.0/8;t2:10.0.0.0/8;', err: '' });
    const file = tmp.write('tpl.txt', '{{range .}}{{.Kind}}{{end}}');
    assert.equal((await ctl(['get', 'globalnetworkset', 't1', '-o', `go-template-file=${file}`])).out, 'GlobalNetworkSet');
    assert.equal((await ctl(['get', 'globalnetworksets', '-o', 'go-template={{range .}'])).code, 1);
  });

  it('unknown kinds and bad usage exit 1 with calicoctl wording', async () => {
    const r = await sh('get somekind somename');
    assert.equal(r.code, 1);
    assert.match(r.err, /failed to get resources: resource type 'somekind' is not supported/);
    assert.equal((await ctl(['get', 'policy', ''])).code, 1);
    assert.equal((await sh('get')).code, 1);
    assert.equal((await sh('apply')).code, 1);
    assert.equal((await sh('frobnicate')).code, 1);
    assert.equal((await sh('get tiers -o bogus')).code, 1);
    assert.equal((await sh('-l nonsense version --client')).code, 1);
  });

  it('replace needs the resource to exist and a current resourceVersion', async () => {
    const f = tmp.write('r.yaml', gns('r1'));
    const missing = await sh(`replace -f ${f}`);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /failed to replace 'GlobalNetworkSet' resource: resource does not exist: GlobalNetworkSet\(r1\)/);
    await sh(`create -f ${f}`);
    const rev0 = (await sh('get globalnetworkset r1 -o yaml')).out;
    assert.equal((await sh('replace -f -', rev0.replace('10.0.0.0/8', '11.0.0.0/8'))).code, 0);
    // rev0 is stale now: replacing with it is a conflict and changes nothing.
    const stale = await sh('replace -f -', rev0.replace('10.0.0.0/8', '12.0.0.0/8'));
    assert.equal(stale.code, 1);
    assert.match(stale.err, /update conflict: GlobalNetworkSet\(r1\)/);
    assert.match((await sh('get globalnetworkset r1 -o yaml')).out, /11\.0\.0\.0\/8/);
    const staleApply = await sh('apply -f -', rev0.replace('10.0.0.0/8', '13.0.0.0/8'));
    assert.equal(staleApply.code, 1);
    assert.match(staleApply.err, /update conflict: GlobalNetworkSet\(r1\)/);
    // delete with the stale resourceVersion is refused too.
    const del = await sh('delete -f -', rev0);
    assert.equal(del.code, 1);
    assert.match(del.err, /update conflict/);
  });

  it('reads a directory of manifests, recursing only with -R', async () => {
    const dir = `${tmp.path}/manifests`;
    tmp.write('manifests-placeholder', '');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(`${dir}/sub`, { recursive: true });
    writeFileSync(`${dir}/a.yaml`, gns('d-a'));
    writeFileSync(`${dir}/b.json`, JSON.stringify({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkSet', metadata: { name: 'd-b' }, spec: { nets: ['10.1.0.0/16'] } }));
    writeFileSync(`${dir}/ignored.txt`, 'not yaml');
    writeFileSync(`${dir}/sub/c.yml`, gns('d-c'));
    assert.equal((await sh(`apply -f ${dir}`)).out, "Successfully applied 2 'GlobalNetworkSet' resource(s)\n");
    assert.equal((await sh(`apply -f ${dir} -R`)).out, "Successfully applied 3 'GlobalNetworkSet' resource(s)\n");
    const empty = tmp.write('empty.yaml', '---\n');
    assert.equal((await sh(`apply -f ${empty}`)).code, 1);
    assert.equal((await sh(`apply -f ${empty} --skip-empty`)).code, 0);
  });
});

describe('calicoctl namespaces', () => {
  it('defaults to namespace default, honours -n and lists all with -A', async () => {
    await sh(`apply -f ${tmp.write('ns.yaml', `${np('p-default')}---\n${np('p-a', 'ns-a')}---\n${np('p-b', 'ns-b')}`)}`);
    assert.equal((await sh('get networkpolicy')).out, 'NAME        TIER      \np-default   default   \n\n');
    assert.equal((await sh('get networkpolicy -n ns-a')).out, 'NAMESPACE   NAME   TIER      \nns-a        p-a    default   \n\n');
    const all = parse((await sh('get networkpolicies -A -o yaml')).out) as { items: { metadata: { name: string } }[] };
    assert.deepEqual(all.items.map((i) => i.metadata.name).sort(), ['p-a', 'p-b', 'p-default']);
    assert.equal((await sh('get networkpolicy -a -o yaml')).code, 0, '-a is an alias of -A');
    assert.match((await sh('get networkpolicy p-a -A')).err, /cannot use --all-namespace flag for getting a single resource/);
    assert.match((await sh('get globalnetworksets -n x')).err, /GlobalNetworkSet is not namespaced/);
    const mismatch = await sh(`apply -f ${tmp.write('mm.yaml', np('p-x', 'ns-a'))} -n ns-b`);
    assert.equal(mismatch.code, 1);
    assert.match(mismatch.err, /resource namespace does not match client namespace. ns-a != ns-b/);
  });

  it('-n fills the namespace of documents that have none', async () => {
    assert.equal((await sh(`apply -f ${tmp.write('non.yaml', np('p-n'))} -n team`)).code, 0);
    assert.equal((await sh('get networkpolicy p-n -n team')).code, 0);
  });
});

describe('calicoctl tiered policy names', () => {
  it('requires <tier>.<name> outside the default tier and an existing tier', async () => {
    const tiered = (name: string) => `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: ${name}\nspec:\n  tier: security\n  selector: all()\n`;
    const noTier = await sh(`create -f ${tmp.write('t0.yaml', tiered('security.p'))}`);
    assert.equal(noTier.code, 1);
    assert.match(noTier.err, /resource does not exist: Tier\(security\)/);
    await sh(`create -f ${tmp.write('tier.yaml', 'apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata:\n  name: security\nspec:\n  order: 100\n')}`);
    const bad = await sh(`create -f ${tmp.write('t1.yaml', tiered('p'))}`);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /metadata\.name/);
    assert.equal((await sh(`create -f ${tmp.write('t2.yaml', tiered('security.p'))}`)).code, 0);
    const out = parse((await sh('get gnp security.p -o yaml')).out) as { metadata: { labels: Record<string, string> } };
    assert.equal(out.metadata.labels['projectcalico.org/tier'], 'security');
    assert.equal((await sh('get tier -o wide')).out.includes('security                     100'), true);
  });

  it('finds a default-tier policy as foo or default.foo', async () => {
    await sh(`apply -f ${tmp.write('dt.yaml', np('default.foo'))}`);
    await sh(`apply -f ${tmp.write('dt2.yaml', np('bar'))}`);
    assert.equal((await sh('get networkpolicy foo')).code, 0);
    assert.equal((await sh('get networkpolicy default.bar')).code, 0);
    assert.equal((await sh('delete networkpolicy foo')).code, 0);
    assert.equal((await sh('get networkpolicy default.foo')).code, 1);
  });

  it('refuses knp.default.* NetworkPolicies as calicoctl does', async () => {
    const f = tmp.write('knp.yaml', np('knp.default.foobarfizz', 'default'));
    const create = await sh(`create -f ${f}`);
    assert.equal(create.code, 1);
    assert.match(create.err, /is not supported on NetworkPolicy\(default\/knp.default.foobarfizz\): kubernetes network policies must be managed through the kubernetes API/);
    assert.match((await sh(`apply -f ${f}`)).err, /resource does not exist/);
    assert.match((await sh(`replace -f ${f}`)).err, /resource does not exist/);
    assert.match((await sh(`delete -f ${f}`)).err, /kubernetes network policies must be managed through the kubernetes API/);
  });

  it('lists tiers by order and prints the order with Go float formatting', async () => {
    await sh(`apply -f ${tmp.write('np-init.yaml', np('x'))}`);
    assert.equal((await sh('get tiers')).out,
      'NAME                         ORDER   \nadminnetworkpolicy           1000    \ndefault                      1e+06   \nbaselineadminnetworkpolicy   1e+07   \n\n');
  });
});

describe('calicoctl label and patch', () => {
  it('sets, refuses to overwrite, overwrites and removes labels', async () => {
    await sh(`create -f ${tmp.write('l.yaml', gns('l1'))}`);
    assert.equal((await sh('label globalnetworksets l1 app=web')).out, 'Successfully set label app on globalnetworksets l1\n');
    const refused = await sh('label globalnetworksets l1 app=db');
    assert.equal(refused.code, 1);
    assert.match(refused.err, /key app is already present. please use '--overwrite' to set a new value/);
    assert.equal((await sh('label globalnetworksets l1 app=db --overwrite')).out, 'Successfully updated label app on globalnetworksets l1\n');
    assert.match((await sh('get globalnetworkset l1 -o yaml')).out, /app: db/);
    assert.equal((await sh('label globalnetworksets l1 app --remove')).code, 0);
    assert.equal((await sh('label globalnetworksets l1 app --remove')).code, 1);
    assert.equal((await sh('label globalnetworksets nope app=x')).code, 1);
  });

  it('patches the spec, validates the result and keeps labels', async () => {
    await sh(`apply -f ${tmp.write('pp.yaml', np('pp', 'default'))}`);
    await sh('label networkpolicy pp keep=me');
    const ok = await ctl(['patch', 'networkpolicy', 'pp', '-p', '{"spec":{"order":50,"selector":"app == \'api\'"}}']);
    assert.deepEqual(ok, { code: 0, out: "Successfully patched 1 'NetworkPolicy' resource\n", err: '' });
    const out = parse((await sh('get networkpolicy pp -o yaml')).out) as { spec: Record<string, unknown>; metadata: { labels: Record<string, string> } };
    assert.equal(out.spec['order'], 50);
    assert.equal(out.spec['selector'], "app == 'api'");
    assert.equal(out.metadata.labels['keep'], 'me');
    const before = await ds.currentRevision();
    const bad = await ctl(['patch', 'networkpolicy', 'pp', '-p', '{"spec":{"selector":"app =="}}']);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /spec\.selector/);
    assert.equal(await ds.currentRevision(), before);
    const jp = await ctl(['patch', 'networkpolicy', 'pp', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/order","value":7}]']);
    assert.equal(jp.code, 0, jp.err);
    assert.match((await sh('get networkpolicy pp -o wide')).out, /pp\s+default\s+7\s+/);
    assert.equal((await ctl(['patch', 'networkpolicy', 'missing', '-p', '{}'])).code, 1);
  });
});

describe('calicoctl validate and version', () => {
  it('validates offline, without any datastore', async () => {
    const f = tmp.write('v.yaml', `${gns('v1')}---\n${np('v2', 'default')}`);
    const env = { CALICO_DATASTORE_PATH: '/nonexistent/dir/never.db' };
    assert.deepEqual(await runCtl(['validate', '-f', f], { env }), { code: 0, out: 'Successfully validated 2 resource(s)\n', err: '' });
    const bad = await runCtl(['validate', '-f', tmp.write('vb.yaml', np('v3', 'default', '  types: [Sideways]\n'))], { env });
    assert.equal(bad.code, 1);
    assert.match(bad.err, /failed to validate 'NetworkPolicy' resource: .*spec\.types\[0\]/);
  });

  it('prints the client version', async () => {
    const r = await sh('version --client');
    assert.equal(r.code, 0);
    assert.match(r.out, /^Client Version: {4}v\d+\.\d+\.\d+\nGit commit: {8}\S+\n$/);
  });
});
