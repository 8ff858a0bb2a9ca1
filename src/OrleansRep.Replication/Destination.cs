namespace OrleansRep.Replication;

/// <summary>Where a <see cref="Actions.Send"/> goes: one site, every other site, or whichever site the host believes
/// is master (Berkeley DB's DB_EID_BROADCAST / DB_EID_MASTER).</summary>
public readonly record struct Destination
{
    private Destination(SiteId site, bool broadcast)
    {
        Site = site;
        IsBroadcast = broadcast;
    }

    /// <summary>The site, or <see cref="SiteId.None"/> for a broadcast.</summary>
    public SiteId Site { get; }

    public bool IsBroadcast { get; }

    public static Destination Broadcast { get; } = new(SiteId.None, true);

    public static Destination To(SiteId site)
    {
        if (site.IsNone)
        {
            throw new ArgumentException("a message cannot be sent to no site", nameof(site));
        }

        return new Destination(site, false);
    }

    public override string ToString() => IsBroadcast ? "all" : Site.ToString();
}
