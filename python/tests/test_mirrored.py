"""squall.cascade, squall.noise and squall.utils.transformation against pysteps' outputs recorded on the same
frames (``testdata/reference/python_mirrored_pysteps.json``, made by
``benches/compare/python_mirrored_reference.py``; pytest does not import pysteps), analytic properties, and
argument errors."""

import gzip
import json
import pathlib

import numpy as np
import pytest

import squall
from squall.cascade.bandpass_filters import filter_gaussian
from squall.cascade.decomposition import decomposition_fft, recompose_fft
from squall.noise.fftgenerators import (
    generate_noise_2d_fft_filter,
    initialize_nonparam_2d_fft_filter,
    initialize_param_2d_fft_filter,
)
from squall.noise.motion import generate_bps, initialize_bps
from squall.utils import transformation

REFERENCE = pathlib.Path(__file__).resolve().parents[2] / "testdata" / "reference"
FIXTURE = json.loads((REFERENCE / "python_mirrored_pysteps.json").read_text())
S8 = np.s_[4::8, 4::8]


def _frames():
    meta = json.loads((REFERENCE / "python_motion_pysteps.json").read_text())["frames"]
    raw = np.frombuffer(gzip.decompress((REFERENCE / meta["file"]).read_bytes()), np.uint8)
    return raw.reshape(meta["shape"]).astype(np.float64) / 4.0 - 15.0


FRAMES = _frames()
LAST = FRAMES[-1]
FIELDS = {"square": LAST, "crop": LAST[16:112]}


@pytest.mark.parametrize("name", ["square", "crop"])
def test_filter_gaussian_equals_pysteps(name):
    ref = FIXTURE["filters"][name]
    bp = filter_gaussian(tuple(ref["shape"]), ref["n"])
    h, w = ref["shape"]
    assert bp["weights_2d"].shape == (ref["n"], h, w // 2 + 1)
    np.testing.assert_allclose(bp["weights_2d"][:, ::4, ::4], ref["weights_2d_every4"], atol=1e-6)
    np.testing.assert_allclose(bp["weights_1d"], ref["weights_1d"], atol=1e-6)
    np.testing.assert_allclose(bp["central_wavenumbers"], ref["central_wavenumbers"], rtol=1e-9)
    np.testing.assert_allclose(bp["central_freqs"], ref["central_freqs"], rtol=1e-9)
    # Partition of unity at every wavenumber.
    np.testing.assert_allclose(bp["weights_2d"].sum(axis=0), 1.0, atol=1e-6)


@pytest.mark.parametrize("key", ["square", "square_masked", "crop", "crop_masked"])
def test_decomposition_fft_equals_pysteps(key):
    ref = FIXTURE["decompositions"][key]
    field = FIELDS[ref["filter"]]
    fref = FIXTURE["filters"][ref["filter"]]
    bp = filter_gaussian(tuple(fref["shape"]), fref["n"])
    kwargs = {"normalize": True, "compute_stats": True}
    if key.endswith("masked"):
        kwargs["mask"] = field > -10.0
    d = decomposition_fft(field, bp, **kwargs)
    assert d["cascade_levels"].shape == (fref["n"],) + field.shape and d["normalized"]
    np.testing.assert_allclose(d["means"], ref["means"], atol=1e-5)
    np.testing.assert_allclose(d["stds"], ref["stds"], rtol=1e-5)
    np.testing.assert_allclose(d["cascade_levels"][(slice(None),) + S8], ref["levels_every8"], atol=1e-5)
    recomposed = recompose_fft(d)
    np.testing.assert_allclose(recomposed[S8], ref["recomposed_every8"], atol=1e-5)
    # Without a mask the cascade sums back to the field.
    if "mask" not in kwargs:
        np.testing.assert_allclose(recomposed, field, atol=1e-4)


def test_decomposition_unnormalised_and_errors():
    bp = filter_gaussian(LAST.shape, 6)
    d = decomposition_fft(LAST.astype(np.float32), bp, subtract_mean=True)
    assert not d["normalized"] and abs(d["field_mean"] - LAST.mean()) < 1e-5
    np.testing.assert_allclose(d["cascade_levels"].sum(axis=0) + d["field_mean"], LAST, atol=1e-4)
    np.testing.assert_allclose(recompose_fft(d), LAST, atol=1e-4)
    with pytest.raises(ValueError, match="non-finite"):
        decomposition_fft(np.where(LAST > 0, np.nan, LAST), bp)
    with pytest.raises(ValueError, match="dimension mismatch"):
        decomposition_fft(LAST[:64], bp)
    with pytest.raises(TypeError, match="dtype"):
        decomposition_fft(LAST.astype(np.int32), bp)
    with pytest.raises(ValueError, match="at least 3"):
        filter_gaussian((64, 64), 2)
    with pytest.raises(ValueError, match="spatial"):
        decomposition_fft(LAST, bp, output_domain="spectral")
    assert squall.cascade.get_method("gaussian") is filter_gaussian


def test_nonparam_filter_equals_pysteps():
    ref = FIXTURE["noise"]
    F = initialize_nonparam_2d_fft_filter(FRAMES[-3:])
    assert F["field"].shape == (128, 65) and F["input_shape"] == (128, 128) and not F["use_full_fft"]
    # Float32 FFT: every amplitude within 1e-5 relative, or 5e-7 of the peak for the smallest ones.
    peak = F["field"].max()
    np.testing.assert_allclose(F["field"][::4, ::4], ref["nonparam_every4"], rtol=1e-5, atol=5e-7 * peak)
    assert abs(F["field"].sum() - ref["nonparam_sum"]) <= 1e-5 * ref["nonparam_sum"]


def _rapsd(field):
    """Radially averaged power spectrum (integer radius bins of the centred 2-D spectrum), as pysteps' rapsd."""
    ny, nx = field.shape
    psd = np.abs(np.fft.fftshift(np.fft.fft2(field))) ** 2 / field.size
    y, x = np.ogrid[-(ny // 2):ny - ny // 2, -(nx // 2):nx - nx // 2]
    r = np.round(np.hypot(x, y)).astype(int)
    n = min(ny, nx) // 2 + (min(ny, nx) % 2)
    return np.array([psd[r == k].mean() for k in range(n)])


def test_generated_noise_is_statistically_pysteps():
    ref = np.asarray(FIXTURE["noise"]["generated_rapsd_mean200"])
    F = initialize_nonparam_2d_fft_filter(FRAMES[-3:])
    fields = [generate_noise_2d_fft_filter(F, seed=s) for s in range(200)]
    assert all(abs(f.mean()) < 1e-5 and abs(f.std() - 1.0) < 1e-4 for f in fields)
    ours = np.mean([_rapsd(f) for f in fields], axis=0)
    assert ours.shape == ref.shape
    # Same spectrum: log power within 10 % at every wavenumber (200 members: sampling error about 3-7 %).
    ratio = ours[1:] / ref[1:]
    assert np.all(np.abs(np.log(ratio)) < 0.10), ratio
    # Same seed, same noise; another seed, another field.
    np.testing.assert_array_equal(fields[3], generate_noise_2d_fft_filter(F, seed=3))
    assert np.corrcoef(fields[3].ravel(), fields[4].ravel())[0, 1] < 0.2


def test_param_filter_recovers_a_known_slope():
    rng = np.random.default_rng(7)
    n, beta = 256, 3.0
    ky = np.fft.fftfreq(n)[:, None] * n
    kx = np.fft.fftfreq(n)[None, :] * n
    k = np.hypot(kx, ky)
    k[0, 0] = 1.0
    field = np.fft.ifft2(np.fft.fft2(rng.standard_normal((n, n))) * k ** (-beta / 2)).real
    F = initialize_param_2d_fft_filter(field)
    assert abs(F["pars"][0] - beta) < 0.1, F["pars"]
    assert F["field"].shape == (n, n // 2 + 1) and F["field"][0, 0] == 0.0
    np.testing.assert_allclose(F["field"][0, 10], 10.0 ** (-F["pars"][0] / 2), rtol=1e-5)
    noise = generate_noise_2d_fft_filter(F, seed=1)
    assert noise.shape == (n, n)
    with pytest.raises(ValueError, match="non-finite"):
        initialize_param_2d_fft_filter(np.full((64, 64), np.nan))


def test_motion_perturbation_follows_bowler_2006():
    V = np.zeros((2, 64, 64), np.float32)
    V[0] = 3.0  # along +x
    p = initialize_bps(V, pixelsperkm=1.0, timestep=5.0, seed=11)
    eps_par, eps_perp = p["deviates"]
    for t in (5.0, 30.0, 60.0):
        vp = generate_bps(p, t)
        g_par = 10.88 * t**0.23 - 7.68
        g_perp = 5.76 * t**0.31 - 2.72
        scale = 60.0 * 1.0 / 5.0  # km/h of one pixel per step
        np.testing.assert_allclose(vp[0], g_par * eps_par / scale, rtol=1e-5)
        np.testing.assert_allclose(vp[1], g_perp * eps_perp / scale, rtol=1e-5)
    # Laplace deviates of unit variance over many members.
    draws = np.array([initialize_bps(V, 1.0, 5.0, seed=s)["deviates"] for s in range(4000)])
    assert abs(draws.std() - 1.0) < 0.05 and abs(draws.mean()) < 0.05
    kurtosis = ((draws - draws.mean()) ** 4).mean() / draws.var() ** 2
    assert 5.0 < kurtosis < 7.5  # Laplace: 6 (a Gaussian would give 3)


RAIN = np.where(LAST > -10.0, 10.0 ** (LAST / 10.0), 0.0)


def test_db_and_boxcox_equal_pysteps():
    t = FIXTURE["transformation"]
    np.testing.assert_allclose(RAIN[S8], t["rain_every8"], rtol=1e-6)
    db, m = transformation.dB_transform(RAIN, threshold=0.1, zerovalue=-15.0)
    back, mb = transformation.dB_transform(db, m, inverse=True)
    np.testing.assert_allclose(db[S8], t["dB"]["forward"], atol=1e-5)
    np.testing.assert_allclose(back[S8], t["dB"]["inverse"], atol=1e-5)
    assert m["threshold"] == pytest.approx(t["dB"]["threshold"]) and m["zerovalue"] == t["dB"]["zerovalue"]
    assert mb["threshold"] == pytest.approx(t["dB"]["inverse_threshold"])
    for lam in (0.0, 0.5):
        ref = t[f"boxcox_{lam}"]
        bc, m = transformation.boxcox_transform(RAIN, Lambda=lam)
        back, mb = transformation.boxcox_transform(bc, m, inverse=True)
        np.testing.assert_allclose(bc[S8], ref["forward"], atol=1e-5)
        np.testing.assert_allclose(back[S8], ref["inverse"], atol=1e-5)
        assert m["threshold"] == pytest.approx(ref["threshold"]) and m["zerovalue"] == pytest.approx(ref["zerovalue"])
        assert mb["threshold"] == pytest.approx(ref["inverse_threshold"])
    sq, m = transformation.sqrt_transform(RAIN)
    back, _ = transformation.sqrt_transform(sq, m, inverse=True)
    np.testing.assert_allclose(sq[S8], t["sqrt"]["forward"], atol=1e-6)
    np.testing.assert_allclose(back[S8], t["sqrt"]["inverse"], atol=1e-6)
    # float32 in, float32 out.
    assert transformation.dB_transform(RAIN.astype(np.float32))[0].dtype == np.float32
    with pytest.raises(TypeError, match="dtype"):
        transformation.dB_transform(RAIN.astype(np.int64))


def test_nq_transform_equals_pysteps():
    ref = FIXTURE["transformation"]["NQ"]
    nq, m = transformation.NQ_transform(RAIN)
    np.testing.assert_allclose(nq[S8], ref["forward"], atol=1e-5)
    assert m["threshold"] == pytest.approx(ref["threshold"], abs=1e-9) and m["zerovalue"] == 0
    back, mb = transformation.NQ_transform(nq, m, inverse=True)
    np.testing.assert_allclose(back[S8], ref["inverse"], atol=1e-5)
    assert mb["zerovalue"] == pytest.approx(ref["inverse_zerovalue"])
    assert mb["threshold"] == pytest.approx(ref["inverse_threshold"])
    # Continuous data: the transformed sample is standard normal, and the inverse is exact.
    x = np.random.default_rng(3).gamma(0.7, 2.0, 5000) + 1.0
    y, m = transformation.NQ_transform(x)
    assert abs(y.mean()) < 0.01 and abs(y.std() - 1.0) < 0.02
    np.testing.assert_allclose(transformation.NQ_transform(y, m, inverse=True)[0][x != x.min()],
                               x[x != x.min()], rtol=1e-12)
    with pytest.raises(ValueError, match="needs metadata"):
        transformation.NQ_transform(y, {"transform": "NQT"}, inverse=True)
