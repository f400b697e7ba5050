import type { Resource } from '../types.js';
import type { Issues } from '../validate/issues.js';
import { array, int, object, stringMap } from '../validate/schema.js';
import { selectorField } from '../validate/selector-field.js';
import { calicoKind, defineKind, specOf } from './define-kind.js';
import { cidrsField, duration, labelsField, logLevel, nameField, optionalEnum, regexpField } from './common-fields.js';

/**
 * KubeControllersConfiguration (projectcalico.org/v3): settings of
 * calico-kube-controllers, a singleton named `default`. Defaults as
 * libcalico-go's client fills them: controllers {} (always written), prometheusMetricsPort 9094,
 * controllers.node.leakGracePeriod 15m0s (when the node controller is
 * configured), controllers.loadBalancer.assignIPs AllServices.
 */
const enabledDisabled = optionalEnum(['Enabled', 'Disabled']);
const reconciler = object({ reconcilerPeriod: duration });

const template = object({
  generateName: nameField,
  interfaceCIDRs: cidrsField,
  interfacePattern: regexpField,
  labels: labelsField,
  annotations: stringMap(),
  nodeSelector: selectorField(),
});

const controllers = object({
  node: object({
    reconcilerPeriod: duration,
    syncLabels: enabledDisabled,
    hostEndpoint: object({
      autoCreate: enabledDisabled,
      createDefaultHostEndpoint: enabledDisabled,
      templates: array(template),
    }),
    leakGracePeriod: duration,
  }),
  policy: reconciler,
  workloadEndpoint: reconciler,
  serviceAccount: reconciler,
  namespace: reconciler,
  loadBalancer: object({ assignIPs: optionalEnum(['AllServices', 'RequestedServicesOnly']) }),
  // Added after v3.31.
  migration: object({ policyNameMigrator: enabledDisabled }),
});

const specFields = {
  logSeverityScreen: logLevel,
  healthChecks: enabledDisabled,
  etcdV3CompactionPeriod: duration,
  prometheusMetricsPort: int({ min: 0, max: 65535 }),
  controllers,
  debugProfilePort: int({ min: 0, max: 65535 }),
};

export const kubeControllersConfigurationSpecSchema = object(specFields);

function validateKubeControllersConfiguration(r: Resource, issues: Issues): void {
  if (r.metadata.name !== 'default') {
    issues.add('metadata.name', 'Cannot create a Kube Controllers Configuration resource with a name other than "default"', r.metadata.name);
  }
  const node = ((r.spec as Record<string, unknown> | undefined)?.controllers as Record<string, unknown> | undefined)?.node as
    | Record<string, unknown>
    | undefined;
  const templates = (node?.hostEndpoint as Record<string, unknown> | undefined)?.templates;
  if (!Array.isArray(templates)) return;
  const seen = new Set<string>();
  templates.forEach((t: unknown, i) => {
    if (!t || typeof t !== 'object') return;
    const x = t as Record<string, unknown>;
    const path = `spec.controllers.node.hostEndpoint.templates[${i}]`;
    const name = typeof x.generateName === 'string' ? x.generateName : '';
    if (!name) issues.add(`${path}.generateName`, 'Template name must be specified');
    else if (name.length > 253) issues.add(`${path}.generateName`, 'Template name must be shorter than 253 characters');
    else if (seen.has(name)) issues.add(`${path}.generateName`, 'Template name must be unique', name);
    seen.add(name);
    const cidrs = Array.isArray(x.interfaceCIDRs) ? x.interfaceCIDRs : [];
    if (cidrs.length === 0 && !x.interfacePattern) issues.add(path, 'InterfaceCIDRs or InterfacePattern must be specified');
  });
}

function kubeControllersDefaults(r: Resource): void {
  const spec = specOf(r);
  if (spec.prometheusMetricsPort === undefined) spec.prometheusMetricsPort = 9094;
  // Go always writes `controllers` (no omitempty), so an absent one reads back as {}.
  if (spec.controllers === undefined) spec.controllers = {};
  const c = spec.controllers as Record<string, Record<string, unknown> | undefined>;
  if (c.node && c.node.leakGracePeriod === undefined) c.node.leakGracePeriod = '15m0s';
  if (c.loadBalancer && !c.loadBalancer.assignIPs) c.loadBalancer.assignIPs = 'AllServices';
}

export const kubeControllersConfigurationKind = defineKind({
  info: calicoKind('KubeControllersConfiguration', 'kubecontrollersconfigurations', false, [
    'kubecontrollersconfiguration', 'kubecontrollersconfigurations', 'kubecontrollersconfig', 'kubecontrollersconfigs',
  ]),
  spec: kubeControllersConfigurationSpecSchema,
  status: object({ runningConfig: object(specFields), environmentVars: stringMap() }),
  validate: validateKubeControllersConfiguration,
  defaults: kubeControllersDefaults,
});

