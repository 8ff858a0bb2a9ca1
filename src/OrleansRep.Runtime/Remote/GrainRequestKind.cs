namespace OrleansRep.Runtime.Remote;

/// <summary>What a request frame to a silo gateway asks for (the second byte of the payload).</summary>
internal enum GrainRequestKind : byte
{
    /// <summary>Call a grain method.</summary>
    Call = 1,

    /// <summary>List the grain interfaces the silo serves and their grain types (Orleans' cluster manifest).</summary>
    Manifest = 2,
}
