// A deliberate cycle for NamespaceCycleTests' own check: Alpha calls Beta inside a method body, Beta
// builds an Alpha inside one, and neither names the other in a signature or a using line.
namespace VideoAffect.Tests.Architecture.Fixture.Alpha
{
    public sealed class Caller
    {
        public int Call() => VideoAffect.Tests.Architecture.Fixture.Beta.Callee.Twice(21);
    }
}

namespace VideoAffect.Tests.Architecture.Fixture.Beta
{
    public static class Callee
    {
        public static int Twice(int x) => new VideoAffect.Tests.Architecture.Fixture.Alpha.Caller().GetHashCode() == 0 ? 0 : 2 * x;
    }
}

namespace VideoAffect.Tests.Architecture.Fixture.Gamma
{
    public static class User
    {
        public static Func<int> Later() => () => new VideoAffect.Tests.Architecture.Fixture.Alpha.Caller().Call();
    }
}
