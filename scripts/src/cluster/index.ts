// The local-cluster library: `npm start`, integration tests and the Playwright
// fixture import everything from here (`@stickless/scripts/cluster`).
export { Cluster, type WaitOptions } from './cluster.js'
export { CLUSTER_HOST, LB_SOURCE_ADDRESS, type ClusterInfo, type ProcessRole } from './members.js'
export { DEFAULT_PORTS, QUICK_HEALTH_CHECKS, resolveClusterOptions, type ClusterOptions, type ClusterPorts, type CommandSpec, type ResolvedClusterOptions, type SessionServerParams } from './cluster-options.js'
export { errorCodes, ClusterError, type ClusterErrorCode } from './errors.js'
export { choosePort, freePort, isPortFree, releasePorts, type PortMode } from './process/free-port.js'
export { probeHttp, type ProbeResult } from './probes/http-probe.js'
export { memcachedVersion } from './probes/memcached-probe.js'
export { metricValue } from './probes/metric-value.js'
export { formatSessionServer, formatSessionServers, type SessionServer } from './session-servers.js'
export { Supervisor, type ExitInfo, type ProcessSpec, type SupervisorOptions } from './process/supervisor.js'
export { partition, partitionUnsupported, type Partition } from './partition.js'
export { planPoolChange, storeEventCount, type PoolChange, type PoolChangeOptions, type PoolChangeReport } from './pool-change.js'
