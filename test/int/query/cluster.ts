// The query integration tests' cluster is bench/_query-cluster.ts, one home shared with the search
// and fidelity benches (benches do not import tests); these are the names the tests use.
export {
  startQueryCluster as startCluster,
  type Doc,
  type QueryCluster as TestCluster,
} from '../../../bench/_query-cluster.ts';
