using OrleansRep.Runtime.Membership;

namespace OrleansRep.Runtime.Hosting;

/// <summary>
/// Who this silo is (Orleans' <c>ILocalSiloDetails</c>): a service grains can take in their constructor. The address
/// is known once the transport has bound, which is before the silo joins the cluster and so before any grain call
/// can be placed on it.
/// </summary>
public sealed class LocalSiloDetails
{
    private SiloAddress? _address;

    internal LocalSiloDetails(int? siteId) => SiteId = siteId;

    /// <summary>This silo's incarnation.</summary>
    /// <exception cref="InvalidOperationException">The silo has not bound its endpoint yet.</exception>
    public SiloAddress Address
    {
        get => _address ?? throw new InvalidOperationException("the silo has not bound its endpoint yet");
        internal set => _address = value;
    }

    /// <summary>The replication site this silo serves, if any.</summary>
    public int? SiteId { get; }
}
