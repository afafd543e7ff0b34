//! Named unit tests of the cluster-wide tiers (`tiers`): one per rule of the API.
