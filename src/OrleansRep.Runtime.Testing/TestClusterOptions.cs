using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Testing;

/// <summary>What a <see cref="TestCluster"/> starts.</summary>
public sealed class TestClusterOptions
{
    /// <summary>The most silos one test cluster may hold.</summary>
    public const int MaxSilos = 32;

    /// <summary>How many silos to start. Default 3.</summary>
    public int SiloCount { get; init; } = 3;

    /// <summary>Configures each silo's grains, storage and services; called once per silo start (restarts too). Default: nothing.</summary>
    public Action<SiloBuilder> ConfigureSilo { get; init; } = static _ => { };

    /// <summary>Give silo <c>i</c> site id <c>i + 1</c>, so site-keyed grains (<c>"name@2"</c>) have somewhere to go. Default true.</summary>
    public bool AssignSites { get; init; } = true;

    /// <summary>
    /// The cluster secret. Default: 32 random hex digits as UTF-8 bytes, i.e. text, so a test can hand it to a process
    /// in a secret file (<see cref="SecretFile"/>) as the silos and clients read one.
    /// </summary>
    public byte[] ClusterSecret { get; init; } = System.Text.Encoding.UTF8.GetBytes(Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));

    /// <summary>Failure detection thresholds. Default: the runtime's (a dead silo is declared within about 1 s).</summary>
    public MembershipOptions Membership { get; init; } = new();

    /// <summary>Connect the silos and the cluster client through an in-memory network (the same framing, handshake and
    /// timeouts, no sockets) instead of TCP on loopback: faster, and no ports. Kills and partitions work the same. Default false.</summary>
    public bool UseInMemoryTransport { get; init; }

    /// <summary>The roles of the cluster client behind <see cref="TestCluster.GrainFactory"/>. Default all.</summary>
    public ClientRoles ClientRoles { get; init; } = ClientRoles.All;

    /// <summary>The clock of membership and transport (grains take theirs from <see cref="ConfigureSilo"/>). Default system time.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Receives every silo's logs. Default none.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>How long <see cref="TestCluster.WaitForViewAsync"/> waits by default: generous, for a loaded 2-core machine. Default 30 s.</summary>
    public TimeSpan WaitTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws <see cref="ArgumentException"/> (or <see cref="ArgumentOutOfRangeException"/>) naming the first bad option.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(SiloCount, 1, nameof(SiloCount));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SiloCount, MaxSilos, nameof(SiloCount));
        ArgumentNullException.ThrowIfNull(ConfigureSilo, nameof(ConfigureSilo));
        ArgumentNullException.ThrowIfNull(Membership, nameof(Membership));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(WaitTimeout, TimeSpan.Zero, nameof(WaitTimeout));
        Membership.Validate();
    }
}
